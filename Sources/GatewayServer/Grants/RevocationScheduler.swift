import Foundation
import GatewayStore
import Logging
import ServiceLifecycle

/// Revokes grants when they fall due: at their expiry, at a retry's time, or when a dead attempt's lease ends.
///
/// A loop, one per process: it leases up to `revocationConcurrency` due grants in one transaction (the claim
/// is atomic, so schedulers sharing a store never run one revocation twice), runs them in parallel, and
/// looks again at once if it took a full wave; otherwise it sleeps until the next due time, at most
/// `pollInterval` (so a grant created meanwhile is seen in time, and nothing has to wake it).
///
/// **Bound.** A revocation starts at most `pollInterval` after it falls due while the scheduler is idle; N
/// revocations due together all finish within `pollInterval + ⌈N / revocationConcurrency⌉ × (L + 3 F)`, where L
/// is one Segura disable (its deadline at worst) and F one group commit (the lease, its renewal, the result),
/// plus any wait for a target's lock held by a request.
///
/// On start-up it first takes back the leases this instance held when it was killed, so revocations that
/// were running, and all those that fell due while it was down, run at once.
struct RevocationScheduler: Service {
    let store: any GatewayStore
    let revoker: GrantRevoker
    let settings: GatewayConfiguration.Grants
    let logger: Logger

    func run() async throws {
        await self.releaseOwnLeases()
        await DueWorkLoop(poll: self.settings.pollInterval).run(nextDue: { try await self.store.nextRevocationDue() }, wave: { await self.runDueWave() })
    }

    private func releaseOwnLeases() async {
        do {
            let released = try await self.store.releaseRevocationLeases(owner: self.settings.instanceID, now: Date())
            if released > 0 {
                self.logger.notice("Took back revocations interrupted by a restart", metadata: ["grants.released": "\(released)"])
            }
        } catch {
            self.logger.error("Could not take back interrupted revocations; they run when their leases end", metadata: ["error": "\(error)"])
        }
    }

    /// Leases and runs the grants due now.
    private func runDueWave() async -> DueWorkLoop.Wave {
        let limit = self.settings.revocationConcurrency
        let claims: [RevocationClaim]
        do {
            claims = try await self.store.claimDueRevocations(now: Date(), limit: limit, lease: self.revoker.lease, owner: self.settings.instanceID)
        } catch {
            self.logger.error("Could not claim due revocations", metadata: ["error": "\(error)"])
            return .failed
        }
        await withDiscardingTaskGroup { group in
            for claim in claims {
                group.addTask {
                    do {
                        _ = try await self.revoker.revoke(claim, endedBy: "expiry", caller: claim.grant.caller)
                    } catch {
                        // The lease ends and the grant falls due again: nothing is lost.
                        self.logger.error("Revocation attempt failed to complete", metadata: ["grant.id": "\(claim.grant.id)", "error": "\(error)"])
                    }
                }
            }
        }
        return claims.count == limit ? .full : .partial
    }
}
