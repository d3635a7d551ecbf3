import Foundation
import GatewayAPI
import GatewayStore
import GatewayVocabulary
import Logging
import SeguraClient

/// Runs one revocation attempt: disables the target through the same Segura client and normalization as a
/// request, and records the result. The scheduler (at expiry) and `DELETE /v1/grants/{id}` share it.
struct GrantRevoker: Sendable {
    /// What one attempt did.
    struct Attempt: Sendable {
        /// The grant afterwards; `nil` if it vanished.
        var grant: Grant?
        /// Segura's answer; `nil` when the attempt lost its lease (an extension or a disable came first)
        /// before it called Segura, and so did nothing.
        var segura: SeguraResult?
    }

    let store: any GatewayStore
    let segura: SeguraClient
    let serializer: TargetSerializer
    let callbacks: CallbackEvents
    let metrics: GatewayMetrics
    let settings: GatewayConfiguration.Grants
    /// How long an attempt holds a grant: longer than one lock wait plus one Segura deadline.
    let lease: Duration
    let logger: Logger

    /// Disables the grant's target, unless the lease was lost meanwhile, and completes the attempt.
    ///
    /// Runs under the target's lock, like a request: the lease is checked and the result stored inside it,
    /// so an extension that arrives meanwhile either wins (and this attempt does nothing) or waits for it.
    ///
    /// - Parameters:
    ///   - endedBy: `expiry` for the scheduler, `revoke` for `DELETE`.
    ///   - caller: who revokes: the grant's caller for the scheduler, the deleting caller for `DELETE`.
    func revoke(_ claim: RevocationClaim, endedBy: String, caller: String) async throws -> Attempt {
        let grant = claim.grant
        var logger = self.logger
        logger[metadataKey: "grant.id"] = "\(grant.id)"
        logger[metadataKey: "request.id"] = "\(claim.leaseToken)"
        return try await self.serializer.withExclusiveAccess(to: Target(kind: grant.targetKind, id: grant.targetID)) {
            // The wait for the lock may have outlasted the lease, or an extension or a disable took it: renew it
            // for one Segura deadline from now, or stop without calling Segura.
            guard try await self.store.renewRevocationLease(grantID: grant.id, token: claim.leaseToken, until: Date().addingTimeInterval(self.lease.timeInterval)) else {
                logger.info("Revocation superseded before it reached Segura")
                return Attempt(grant: try await self.store.grant(id: grant.id), segura: nil)
            }
            let startedAt = Date()
            let segura = try await self.segura.perform(SeguraOperation(.disable, grant.targetKind, id: grant.targetID))
            self.metrics.recordUpstream(kind: grant.targetKind, action: .disable, outcome: segura.outcome, duration: segura.latency)
            let now = Date()
            let (result, decision) = self.classify(segura, grant: grant, endedBy: endedBy, now: now)
            var event = AuditEvent(grant: grant, decision: decision, requestID: claim.leaseToken, caller: caller, action: .disable, at: startedAt)
            event.outcome = segura.outcome
            event.upstreamStatus = segura.upstream.httpStatus
            event.seguraCode = segura.upstream.seguraCode
            event.errorCode = segura.failure?.code
            event.attempts = segura.attempts
            event.latencyMilliseconds = Int((segura.latency.timeInterval * 1000).rounded())
            event.occurredAt = now
            let completion = RevocationCompletion(
                grantID: grant.id, leaseToken: claim.leaseToken, result: result, event: event, callback: self.announcement(of: result, for: grant, endedBy: endedBy, at: now)
            )
            guard let updated = try await self.store.completeRevocation(completion, now: now) else {
                logger.notice("Revocation superseded while it ran; its result changed nothing", metadata: ["outcome": "\(segura.outcome.rawValue)"])
                return Attempt(grant: try await self.store.grant(id: grant.id), segura: segura)
            }
            self.metrics.recordGrantTransition(decision.rawValue)
            switch result {
            case .revoked:
                logger.info("Grant revoked", metadata: ["outcome": "\(segura.outcome.rawValue)", "attempts": "\(segura.attempts)"])
            case .retry(let at, let code):
                logger.warning("Revocation failed; retrying", metadata: ["error.code": "\(code.rawValue)", "retry.at": "\(AuditTimestamp.string(from: at))"])
            case .failed(let code):
                self.metrics.recordRevokeFailure(kind: grant.targetKind.rawValue)
                logger.error("Revocation failed for good: the target may still be enabled", metadata: ["error.code": "\(code.rawValue)"])
            }
            return Attempt(grant: updated, segura: segura)
        }
    }

    /// The callback event for a revoked grant or a failed revocation, with the grant as the result leaves it
    /// (it commits with the result, so it is only sent if the result was recorded); a retry announces nothing.
    private func announcement(of result: RevocationCompletion.Result, for grant: Grant, endedBy: String, at now: Date) -> CallbackEvent? {
        var after = grant
        after.dueAt = nil
        switch result {
        case .revoked:
            after.state = .revoked
            after.endedAt = now
            after.endedBy = endedBy
            after.lastErrorCode = nil
            return self.callbacks.event(.grant_revoked, grant: after, at: now)
        case .failed(let code):
            after.state = .revokeFailed
            after.lastErrorCode = code
            return self.callbacks.event(.grant_revokeFailed, grant: after, at: now)
        case .retry:
            return nil
        }
    }

    /// Failures that say this target cannot be disabled by this gateway as things stand: no retry can fix them
    /// without someone acting on Segura, so they are terminal at once.
    static let terminalFailures: Set<ErrorCode> = [
        .targetNotFound, .targetWrongKind, .targetAccessDenied, .upstreamWritePermissionMissing, .upstreamResourceNotAuthorized,
    ]

    /// Success ends the grant; a terminal failure fails it at once; anything else (an unknown outcome, an
    /// outage, a token or TLS failure an operator may be fixing) is retried with exponential backoff until
    /// ``GatewayConfiguration/Grants/maximumRevokeAttempts``: a request can afford to give up, a revocation cannot.
    private func classify(_ segura: SeguraResult, grant: Grant, endedBy: String, now: Date) -> (RevocationCompletion.Result, AuditDecision) {
        if segura.outcome.isSuccess { return (.revoked(endedBy: endedBy), .grantRevoked) }
        let code = segura.failure?.code ?? .upstreamTimeout
        let terminal = Self.terminalFailures.contains(code)
        guard !terminal, grant.revokeAttempts < self.settings.maximumRevokeAttempts else { return (.failed(errorCode: code), .grantRevokeFailed) }
        return (.retry(at: now.addingTimeInterval(self.settings.backoff(afterAttempt: grant.revokeAttempts).timeInterval), errorCode: code), .grantRevokeRetry)
    }
}
