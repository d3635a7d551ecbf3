import Foundation
import GatewayVocabulary
import GRDB

extension SQLiteGatewayStore {
    public func createApproval(_ request: ApprovalRequest, event: AuditEvent, notices: [CallbackEvent]) async throws -> ApprovalCreation {
        guard request.isNew else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch, db in try batch.createApproval(request, event: event, notices: notices, in: db) }
    }

    public func decideApproval(
        id: String, verdict: ApprovalVerdict, approver: String, now: Date, event: AuditEvent, decisionReply: CallbackEvent.Destination?,
        notices: @escaping @Sendable (ApprovalRequest) -> [CallbackEvent]
    ) async throws -> ApprovalDecisionResult {
        try await self.enqueue { batch, db in
            try batch.decideApproval(id: id, verdict: verdict, approver: approver, now: now, event: event, decisionReply: decisionReply, notices: notices, in: db)
        }
    }

    public func claimApprovedForExecution(now: Date, limit: Int, lease: Duration, owner: String) async throws -> [ApprovalRequest] {
        guard limit > 0, lease > .zero else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch, db in try batch.claimApproved(now: now, limit: limit, lease: lease, owner: owner, in: db) }
    }

    public func completeApprovalExecution(id: String, requestID: String, now: Date) async throws -> Bool {
        try await self.enqueue { _, db in try ApprovalTable.complete(id: id, requestID: requestID, now: now, in: db) }
    }

    public func expireDueApprovals(
        now: Date, limit: Int, expiredEvent: @escaping @Sendable (ApprovalRequest) -> AuditEvent,
        notices: @escaping @Sendable (ApprovalRequest) -> [CallbackEvent]
    ) async throws -> [ApprovalRequest] {
        guard limit > 0 else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch, db in try batch.expireDueApprovals(now: now, limit: limit, expiredEvent: expiredEvent, notices: notices, in: db) }
    }

    public func nextApprovalDue() async throws -> Date? {
        try await self.read(ApprovalTable.nextDue)
    }

    public func approval(id: String) async throws -> ApprovalRequest? {
        try await self.read { db in try ApprovalTable.approval(id: id, in: db) }
    }

    public func approvals(state: ApprovalState?, caller: String?, limit: Int) async throws -> [ApprovalRequest] {
        guard limit > 0 else { throw StoreError.invalidArgument }
        return try await self.read { db in try ApprovalTable.approvals(state: state, caller: caller, limit: limit, in: db) }
    }
}
