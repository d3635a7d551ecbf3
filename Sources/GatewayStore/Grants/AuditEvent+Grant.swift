import Foundation
import GatewayVocabulary

extension AuditEvent {
    /// The record of a grant transition: the grant id is its delivery id, and the target and ticket are the
    /// grant's, so `audit export` can follow one grant from `grant_created` to `grant_revoked`.
    ///
    /// - Parameters:
    ///   - requestID: the request that caused the transition, or the revocation attempt's lease token.
    ///   - caller: who caused it; the grant's own caller for the scheduler's transitions.
    ///   - action: `enable` for openings and extensions, `disable` for revocations.
    public init(grant: Grant, decision: AuditDecision, requestID: String, caller: String, action: TargetAction, at date: Date) {
        self.init(
            requestID: requestID,
            deliveryID: grant.id,
            caller: caller,
            decision: decision,
            ticket: grant.ticket,
            action: action,
            targetKind: grant.targetKind,
            targetID: String(grant.targetID),
            attempts: 0,
            receivedAt: date,
            occurredAt: date
        )
    }
}
