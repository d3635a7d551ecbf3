import Foundation
import GatewayStore
import GatewayVocabulary
import PostgresNIO

extension PostgresWriteBatch {
    /// ``ApprovalStore/createApproval(_:event:notices:)``.
    func createApproval(_ request: ApprovalRequest, event: AuditEvent, notices: [CallbackEvent]) async throws -> ApprovalCreation {
        let inserted = try await self.changed(
            """
            INSERT INTO approval_request (id, caller, delivery_id, request_id, requested_by, platform, action, target_kind, target_id, ticket,
                reason, duration_ms, required_approvals, state, created_at, expires_at, reply_kind, reply_url, due_at, updated_at)
            VALUES (\(request.id), \(request.caller), \(request.deliveryID), \(request.requestID), \(request.requestedBy), \(request.platform),
                \(request.action.rawValue), \(request.targetKind.rawValue), \(request.targetID), \(request.ticket), \(request.reason),
                \(request.duration?.wholeMilliseconds), \(request.requiredApprovals), 'pending', \(request.createdAt.millisecondsSince1970),
                \(request.expiresAt.millisecondsSince1970), \(request.reply?.kind), \(request.reply?.url), \(request.expiresAt.millisecondsSince1970),
                \(event.occurredAt.millisecondsSince1970))
            ON CONFLICT (caller, delivery_id) DO NOTHING
            RETURNING 1
            """
        )
        guard inserted else {
            let existing = try await PostgresApprovalReads.approval(caller: request.caller, deliveryID: request.deliveryID, on: self.connection, logger: self.logger)
            guard let existing else { throw StoreError.corruptedData }
            return .existing(existing)
        }
        try await self.record(event, notices: notices)
        return .created(try await self.approval(id: request.id))
    }

    /// ``ApprovalStore/decideApproval(id:verdict:approver:now:event:decisionReply:notices:)``: ``ApprovalDecisionPlan`` applied.
    func decideApproval(
        id: String, verdict: ApprovalVerdict, approver: String, now: Date, event: AuditEvent, decisionReply: CallbackEvent.Destination?,
        notices: (ApprovalRequest) -> [CallbackEvent]
    ) async throws -> ApprovalDecisionResult {
        let stored = try await PostgresApprovalReads.approval(id: id, on: self.connection, logger: self.logger)
        switch ApprovalDecisionPlan(stored, verdict: verdict, approver: approver, now: now, decisionReply: decisionReply) {
        case .answer(let result):
            return result
        case .expire(let expired):
            try await self.storeDecision(expired, now: now)
            try await self.record(AuditEvent(approval: expired, decision: .approvalExpired, requestID: event.requestID, at: now), notices: notices(expired))
            return .alreadyDecided(expired)
        case .apply(let decided, let vote):
            if let vote {
                // The primary key refuses a second vote by one approver.
                try await self.query(
                    """
                    INSERT INTO approval_vote (approval_id, approver, position, voted_at)
                    VALUES (\(id), \(vote.approver), (SELECT COUNT(*) + 1 FROM approval_vote WHERE approval_id = \(id)), \(vote.at.millisecondsSince1970))
                    """
                )
            }
            if decided.state != .pending {
                try await self.storeDecision(decided, now: now)
            }
            try await self.record(event, notices: notices(decided))
            return .recorded(decided)
        }
    }

    /// ``ApprovalStore/claimApprovedForExecution(now:limit:lease:owner:)``: each lease's end is also when it falls due again.
    func claimApproved(now: Date, limit: Int, lease: Duration, owner: String) async throws -> [ApprovalRequest] {
        var claimed: [ApprovalRequest] = []
        for id in try await self.dueIDs(state: .approved, now: now, limit: limit) {
            // Guarded by the state as SQLite's lease is, although the batch's audit_head lock already serializes it.
            let leased = try await self.changed(
                """
                UPDATE approval_request SET lease_owner = \(owner), due_at = \(now.adding(lease).millisecondsSince1970),
                    updated_at = \(now.millisecondsSince1970)
                WHERE id = \(id) AND state = 'approved'
                RETURNING 1
                """
            )
            if leased { claimed.append(try await self.approval(id: id)) }
        }
        return claimed
    }

    /// ``ApprovalStore/completeApprovalExecution(id:requestID:now:)``.
    func completeApproval(id: String, requestID: String, now: Date) async throws -> Bool {
        try await self.changed(
            """
            UPDATE approval_request SET state = 'executed', execution_request_id = \(requestID), due_at = NULL, lease_owner = NULL,
                updated_at = \(now.millisecondsSince1970)
            WHERE id = \(id) AND state = 'approved'
            RETURNING 1
            """
        )
    }

    /// ``ApprovalStore/expireDueApprovals(now:limit:expiredEvent:notices:)``.
    func expireDueApprovals(
        now: Date, limit: Int, expiredEvent: (ApprovalRequest) -> AuditEvent, notices: (ApprovalRequest) -> [CallbackEvent]
    ) async throws -> [ApprovalRequest] {
        var expired: [ApprovalRequest] = []
        for id in try await self.dueIDs(state: .pending, now: now, limit: limit) {
            let request = try await self.approval(id: id).expired()
            try await self.storeDecision(request, now: now)
            try await self.record(expiredEvent(request), notices: notices(request))
            expired.append(request)
        }
        return expired
    }

    /// Appends `event` and puts `notices` in the outbox, due when it occurred: what an approval change writes
    /// beside the request, so a notice goes out exactly when its change commits.
    private func record(_ event: AuditEvent, notices: [CallbackEvent]) async throws {
        try await self.append(event)
        for notice in notices {
            try await self.insert(notice, now: event.occurredAt)
        }
    }

    /// Stores a pending request's decision (`request` as decided or expired) and clears any lease.
    private func storeDecision(_ request: ApprovalRequest, now: Date) async throws {
        let stored = try await self.changed(
            """
            UPDATE approval_request SET state = \(request.state.rawValue), decided_by = \(request.decidedBy),
                decided_at = \(request.decidedAt?.millisecondsSince1970), decision_reply_kind = \(request.decisionReply?.kind),
                decision_reply_url = \(request.decisionReply?.url), due_at = \(request.dueAt?.millisecondsSince1970), lease_owner = NULL,
                updated_at = \(now.millisecondsSince1970)
            WHERE id = \(request.id) AND state = 'pending'
            RETURNING 1
            """
        )
        guard stored else { throw StoreError.corruptedData }
    }

    /// The ids of requests in `state` due at `now`, earliest first.
    private func dueIDs(state: ApprovalState, now: Date, limit: Int) async throws -> [String] {
        var ids: [String] = []
        let rows = try await self.query(
            """
            SELECT id FROM approval_request WHERE state = \(state.rawValue) AND due_at IS NOT NULL AND due_at <= \(now.millisecondsSince1970)
            ORDER BY due_at, id LIMIT \(limit)
            """
        )
        for try await id in rows.decode(String.self) { ids.append(id) }
        return ids
    }

    private func approval(id: String) async throws -> ApprovalRequest {
        guard let request = try await PostgresApprovalReads.approval(id: id, on: self.connection, logger: self.logger) else { throw StoreError.corruptedData }
        return request
    }
}
