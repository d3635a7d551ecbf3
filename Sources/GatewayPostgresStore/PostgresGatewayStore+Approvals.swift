import Foundation
import GatewayStore
import PostgresNIO

extension PostgresGatewayStore {
    public func createApproval(_ request: ApprovalRequest, event: AuditEvent, notices: [CallbackEvent]) async throws -> ApprovalCreation {
        guard request.isNew else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch in try await batch.createApproval(request, event: event, notices: notices) }
    }

    public func decideApproval(
        id: String, verdict: ApprovalVerdict, approver: String, now: Date, event: AuditEvent, decisionReply: CallbackEvent.Destination?,
        notices: @escaping @Sendable (ApprovalRequest) -> [CallbackEvent]
    ) async throws -> ApprovalDecisionResult {
        try await self.enqueue { batch in
            try await batch.decideApproval(id: id, verdict: verdict, approver: approver, now: now, event: event, decisionReply: decisionReply, notices: notices)
        }
    }

    public func claimApprovedForExecution(now: Date, limit: Int, lease: Duration, owner: String) async throws -> [ApprovalRequest] {
        guard limit > 0, lease > .zero else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch in try await batch.claimApproved(now: now, limit: limit, lease: lease, owner: owner) }
    }

    public func completeApprovalExecution(id: String, requestID: String, now: Date) async throws -> Bool {
        try await self.enqueue { batch in try await batch.completeApproval(id: id, requestID: requestID, now: now) }
    }

    public func expireDueApprovals(
        now: Date, limit: Int, expiredEvent: @escaping @Sendable (ApprovalRequest) -> AuditEvent,
        notices: @escaping @Sendable (ApprovalRequest) -> [CallbackEvent]
    ) async throws -> [ApprovalRequest] {
        guard limit > 0 else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch in try await batch.expireDueApprovals(now: now, limit: limit, expiredEvent: expiredEvent, notices: notices) }
    }

    public func nextApprovalDue() async throws -> Date? {
        try await self.earliest("SELECT MIN(due_at) FROM approval_request WHERE due_at IS NOT NULL")
    }

    public func approval(id: String) async throws -> ApprovalRequest? {
        try await self.withConnection { connection in try await PostgresApprovalReads.approval(id: id, on: connection, logger: self.logger) }
    }

    public func approvals(state: ApprovalState?, caller: String?, limit: Int) async throws -> [ApprovalRequest] {
        guard limit > 0 else { throw StoreError.invalidArgument }
        return try await self.withConnection { connection in
            try await PostgresApprovalReads.approvals(state: state, caller: caller, limit: limit, on: connection, logger: self.logger)
        }
    }
}
