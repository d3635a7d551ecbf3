import Foundation
import GatewayAPI
import GatewayStore
import GatewayVocabulary
import SeguraClient

/// Decides what an answered action does to its target's open grant. Pure, so every rule is tested directly.
///
/// | Request | Segura outcome | Open grant | Change |
/// | --- | --- | --- | --- |
/// | enable with a duration | not applied | opened by this request, never extended | cancel: nothing to revoke |
/// | enable with a duration | applied, already, unknown | another request's | extend to now + duration, at most start + the caller's maximum |
/// | disable | applied, already | any | end (`disable`) |
/// | anything else | | | none |
///
/// An `unknown` enable keeps (or extends) the grant: the target may be enabled, so the timer must run. An
/// enable without a duration never shortens or ends a grant: access still ends at the expiry. A grant that
/// already expired or whose revocation failed is a stale window: the maximum then counts from now, so a new
/// request gets its full duration instead of an expiry in the past.
struct GrantPlanner {
    /// The change and the grant as it will stand after it (for the answer); `nil` change leaves the grant as is.
    struct Plan {
        var change: GrantChange.Kind?
        var grant: Grant?
    }

    let request: ActionRequest
    let requestID: String
    /// The caller's policy maximum; an extension never carries a grant past its start plus this.
    let maximumDuration: Duration?

    func plan(outcome: Outcome, openGrant: Grant?, now: Date) -> Plan {
        guard var grant = openGrant else { return Plan(change: nil, grant: nil) }
        switch self.request.action {
        case .disable:
            guard outcome.isSuccess else { return Plan(change: nil, grant: grant) }
            grant.state = .revoked
            grant.endedAt = now
            grant.endedBy = "disable"
            grant.dueAt = nil
            return Plan(change: .end(endedBy: "disable"), grant: grant)
        case .enable:
            guard let duration = self.request.duration else { return Plan(change: nil, grant: grant) }
            if grant.requestID == self.requestID {
                // Once another request extended it, that request enabled the target too: keep the timer.
                guard outcome == .notApplied, grant.extensions == 0 else { return Plan(change: nil, grant: grant) }
                grant.state = .cancelled
                grant.endedAt = now
                grant.dueAt = nil
                return Plan(change: .cancel, grant: grant)
            }
            guard outcome != .notApplied else { return Plan(change: nil, grant: grant) }
            var end = now.addingTimeInterval(duration.timeInterval)
            if let maximumDuration = self.maximumDuration {
                let isStale = grant.expiresAt <= now || grant.state == .revokeFailed
                end = min(end, (isStale ? now : grant.startsAt).addingTimeInterval(maximumDuration.timeInterval))
            }
            let expiresAt = max(grant.expiresAt, end)
            grant.expiresAt = expiresAt
            grant.dueAt = expiresAt
            grant.state = .active
            grant.extensions += 1
            grant.revokeAttempts = 0
            grant.lastErrorCode = nil
            return Plan(change: .extend(expiresAt: expiresAt), grant: grant)
        }
    }
}

/// The grant transition a request made, if any, with its callback event and audit decision: a grant it opened
/// and whose enable happened (or may have), an extension, or an early end by a disable. A cancellation is
/// audited but announces nothing: access never started.
struct GrantTransition {
    let event: Components.Schemas.GrantEvent._TypePayload
    let decision: AuditDecision

    init?(plan: GrantPlanner.Plan, requestID: String) {
        guard let grant = plan.grant else { return nil }
        switch plan.change {
        case nil:
            guard grant.requestID == requestID else { return nil }
            (self.event, self.decision) = (.grant_created, .grantCreated)
        case .extend?: (self.event, self.decision) = (.grant_extended, .grantExtended)
        case .end?: (self.event, self.decision) = (.grant_revoked, .grantRevoked)
        case .cancel?: return nil
        }
    }
}
