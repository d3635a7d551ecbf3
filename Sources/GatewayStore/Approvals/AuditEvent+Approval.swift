import Foundation
import GatewayVocabulary

extension AuditEvent {
    /// The record of an approval request's transition: the approval id is its delivery id, and the caller, person,
    /// ticket and target are the request's, so `audit export` can follow one request from `approval_requested` on.
    ///
    /// - Parameters:
    ///   - requestID: the gateway request that caused the transition (the one that found a request expired).
    ///   - requestedBy: who caused it: the approver for a verdict, the requester (by default) otherwise.
    public init(approval: ApprovalRequest, decision: AuditDecision, requestID: String, requestedBy: String? = nil, at date: Date) {
        self.init(
            requestID: requestID,
            deliveryID: approval.id,
            caller: approval.caller,
            decision: decision,
            ticket: approval.ticket,
            action: approval.action,
            targetKind: approval.targetKind,
            targetID: String(approval.targetID),
            attempts: 0,
            requestedBy: requestedBy ?? approval.requestedBy,
            platform: approval.platform,
            receivedAt: date,
            occurredAt: date
        )
    }
}
