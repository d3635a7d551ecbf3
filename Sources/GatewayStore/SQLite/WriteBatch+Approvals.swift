import Foundation
import GatewayVocabulary
import GRDB

extension WriteBatch {
    /// ``ApprovalStore/createApproval(_:event:notices:)``.
    mutating func createApproval(_ request: ApprovalRequest, event: AuditEvent, notices: [CallbackEvent], in db: Database) throws -> ApprovalCreation {
        guard try ApprovalTable.insert(request, now: event.occurredAt, in: db) else {
            guard let existing = try ApprovalTable.approval(caller: request.caller, deliveryID: request.deliveryID, in: db) else {
                throw StoreError.corruptedData
            }
            return .existing(existing)
        }
        try self.record(event, notices: notices, in: db)
        guard let created = try ApprovalTable.approval(id: request.id, in: db) else { throw StoreError.corruptedData }
        return .created(created)
    }

    /// ``ApprovalStore/decideApproval(id:verdict:approver:now:event:decisionReply:notices:)``: ``ApprovalDecisionPlan`` applied.
    mutating func decideApproval(
        id: String, verdict: ApprovalVerdict, approver: String, now: Date, event: AuditEvent, decisionReply: CallbackEvent.Destination?,
        notices: (ApprovalRequest) -> [CallbackEvent], in db: Database
    ) throws -> ApprovalDecisionResult {
        let stored = try ApprovalTable.approval(id: id, in: db)
        switch ApprovalDecisionPlan(stored, verdict: verdict, approver: approver, now: now, decisionReply: decisionReply) {
        case .answer(let result):
            return result
        case .expire(let expired):
            try ApprovalTable.storeDecision(expired, now: now, in: db)
            try self.record(AuditEvent(approval: expired, decision: .approvalExpired, requestID: event.requestID, at: now), notices: notices(expired), in: db)
            return .alreadyDecided(expired)
        case .apply(let decided, let vote):
            if let vote {
                try ApprovalTable.insert(vote, approvalID: id, in: db)
            }
            if decided.state != .pending {
                try ApprovalTable.storeDecision(decided, now: now, in: db)
            }
            try self.record(event, notices: notices(decided), in: db)
            return .recorded(decided)
        }
    }

    /// ``ApprovalStore/claimApprovedForExecution(now:limit:lease:owner:)``.
    func claimApproved(now: Date, limit: Int, lease: Duration, owner: String, in db: Database) throws -> [ApprovalRequest] {
        try ApprovalTable.dueIDs(state: .approved, now: now, limit: limit, in: db).compactMap { id in
            try ApprovalTable.lease(id: id, owner: owner, until: now.adding(lease), now: now, in: db)
        }
    }

    /// ``ApprovalStore/expireDueApprovals(now:limit:expiredEvent:notices:)``.
    mutating func expireDueApprovals(
        now: Date, limit: Int, expiredEvent: (ApprovalRequest) -> AuditEvent, notices: (ApprovalRequest) -> [CallbackEvent], in db: Database
    ) throws -> [ApprovalRequest] {
        var expired: [ApprovalRequest] = []
        for id in try ApprovalTable.dueIDs(state: .pending, now: now, limit: limit, in: db) {
            guard let request = try ApprovalTable.approval(id: id, in: db)?.expired() else { continue }
            try ApprovalTable.storeDecision(request, now: now, in: db)
            try self.record(expiredEvent(request), notices: notices(request), in: db)
            expired.append(request)
        }
        return expired
    }

    /// Appends `event` and puts `notices` in the outbox, due when it occurred: what an approval change writes
    /// beside the request, so a notice goes out exactly when its change commits.
    private mutating func record(_ event: AuditEvent, notices: [CallbackEvent], in db: Database) throws {
        _ = try self.appendAudit(event, in: db)
        for notice in notices {
            try CallbackOutbox.insert(notice, now: event.occurredAt, in: db)
        }
    }
}
