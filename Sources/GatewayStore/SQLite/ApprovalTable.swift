import Foundation
import GatewayVocabulary
import GRDB

/// The `approval_request` and `approval_vote` tables, inside the caller's transaction (the writer's group commit,
/// or a read snapshot); cached statements throughout.
enum ApprovalTable {
    /// The columns read back into an ``ApprovalRequest``, in ``request(from:votes:)``'s order.
    private static let columns = """
        id, caller, delivery_id, request_id, requested_by, platform, action, target_kind, target_id, ticket, reason, duration_ms,
        required_approvals, state, created_at, expires_at, decided_by, decided_at, reply_kind, reply_url, execution_request_id,
        decision_reply_kind, decision_reply_url
        """
    private static let selectByIDSQL = "SELECT \(columns) FROM approval_request WHERE id = ?"
    private static let selectByDeliverySQL = "SELECT \(columns) FROM approval_request WHERE caller = ? AND delivery_id = ?"
    private static let listSQL = """
        SELECT \(columns) FROM approval_request WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR caller = ?2)
        ORDER BY created_at DESC, id DESC LIMIT ?3
        """

    // MARK: Reads

    static func approval(id: String, in db: Database) throws -> ApprovalRequest? {
        try Row.fetchOne(db.cachedStatement(sql: Self.selectByIDSQL), arguments: [id]).map { try Self.request(from: $0, in: db) }
    }

    static func approvals(state: ApprovalState?, caller: String?, limit: Int, in db: Database) throws -> [ApprovalRequest] {
        try Row.fetchAll(db.cachedStatement(sql: Self.listSQL), arguments: [state?.rawValue, caller, limit]).map { try Self.request(from: $0, in: db) }
    }

    /// The earliest `due_at`: a pending expiry, an unleased approval's time or a lease's end.
    static func nextDue(in db: Database) throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(due_at) FROM approval_request WHERE due_at IS NOT NULL"))
            .map(Date.init(millisecondsSince1970:))
    }

    /// The ids of requests in `state` due at `now`, earliest first.
    static func dueIDs(state: ApprovalState, now: Date, limit: Int, in db: Database) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT id FROM approval_request WHERE state = ? AND due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?"),
            arguments: [state.rawValue, now.millisecondsSince1970, limit]
        )
    }

    // MARK: Writes

    /// Inserts `request` unless its caller's delivery already asked; returns whether it did.
    static func insert(_ request: ApprovalRequest, now: Date, in db: Database) throws -> Bool {
        try db.cachedStatement(
            sql: """
                INSERT INTO approval_request (id, caller, delivery_id, request_id, requested_by, platform, action, target_kind, target_id, ticket,
                    reason, duration_ms, required_approvals, state, created_at, expires_at, reply_kind, reply_url, due_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)
                ON CONFLICT (caller, delivery_id) DO NOTHING
                """
        ).execute(arguments: [
            request.id, request.caller, request.deliveryID, request.requestID, request.requestedBy, request.platform, request.action,
            request.targetKind, request.targetID, request.ticket, request.reason, request.duration?.wholeMilliseconds, request.requiredApprovals,
            request.createdAt.millisecondsSince1970, request.expiresAt.millisecondsSince1970, request.reply?.kind, request.reply?.url,
            request.expiresAt.millisecondsSince1970, now.millisecondsSince1970,
        ])
        return db.changesCount == 1
    }

    static func approval(caller: String, deliveryID: String, in db: Database) throws -> ApprovalRequest? {
        try Row.fetchOne(db.cachedStatement(sql: Self.selectByDeliverySQL), arguments: [caller, deliveryID]).map { try Self.request(from: $0, in: db) }
    }

    /// Stores a pending request's decision (`request` as decided or expired) and clears any lease.
    static func storeDecision(_ request: ApprovalRequest, now: Date, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE approval_request SET state = ?, decided_by = ?, decided_at = ?, decision_reply_kind = ?, decision_reply_url = ?, due_at = ?,
                    lease_owner = NULL, updated_at = ?
                WHERE id = ? AND state = 'pending'
                """
        ).execute(arguments: [
            request.state.rawValue, request.decidedBy, request.decidedAt?.millisecondsSince1970, request.decisionReply?.kind, request.decisionReply?.url,
            request.dueAt?.millisecondsSince1970, now.millisecondsSince1970, request.id,
        ])
        guard db.changesCount == 1 else { throw StoreError.corruptedData }
    }

    /// Adds `vote` as the request's next one; the primary key refuses a second vote by one approver.
    static func insert(_ vote: ApprovalVote, approvalID: String, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO approval_vote (approval_id, approver, position, voted_at)
                VALUES (?1, ?2, (SELECT COUNT(*) + 1 FROM approval_vote WHERE approval_id = ?1), ?3)
                """
        ).execute(arguments: [approvalID, vote.approver, vote.at.millisecondsSince1970])
    }

    /// Leases an approved request to `owner` until `until`, which is also when it falls due again.
    static func lease(id: String, owner: String, until: Date, now: Date, in db: Database) throws -> ApprovalRequest? {
        try db.cachedStatement(sql: "UPDATE approval_request SET lease_owner = ?, due_at = ?, updated_at = ? WHERE id = ? AND state = 'approved'")
            .execute(arguments: [owner, until.millisecondsSince1970, now.millisecondsSince1970, id])
        guard db.changesCount == 1 else { return nil }
        return try self.approval(id: id, in: db)
    }

    /// Marks an approved request executed by `requestID`; returns whether it was still approved.
    static func complete(id: String, requestID: String, now: Date, in db: Database) throws -> Bool {
        try db.cachedStatement(
            sql: """
                UPDATE approval_request SET state = 'executed', execution_request_id = ?, due_at = NULL, lease_owner = NULL, updated_at = ?
                WHERE id = ? AND state = 'approved'
                """
        ).execute(arguments: [requestID, now.millisecondsSince1970, id])
        return db.changesCount == 1
    }

    // MARK: Rows

    private static func request(from row: Row, in db: Database) throws -> ApprovalRequest {
        let id: String = try row.decode(atIndex: 0)
        let votes = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT approver, voted_at FROM approval_vote WHERE approval_id = ? ORDER BY position"), arguments: [id]
        ).map { vote in ApprovalVote(approver: try vote.decode(atIndex: 0), at: Date(millisecondsSince1970: try vote.decode(atIndex: 1))) }
        guard let state = ApprovalState(rawValue: try row.decode(atIndex: 13)) else { throw StoreError.corruptedData }
        return ApprovalRequest(
            id: id,
            caller: try row.decode(atIndex: 1),
            deliveryID: try row.decode(atIndex: 2),
            requestID: try row.decode(atIndex: 3),
            requestedBy: try row.decode(atIndex: 4),
            platform: try row.decode(atIndex: 5),
            action: try row.decode(atIndex: 6),
            targetKind: try row.decode(atIndex: 7),
            targetID: try row.decode(atIndex: 8),
            ticket: try row.decode(atIndex: 9),
            reason: try row.decode(atIndex: 10),
            duration: (try row.decode(atIndex: 11) as Int64?).map(Duration.milliseconds),
            requiredApprovals: try row.decode(atIndex: 12),
            votes: votes,
            state: state,
            createdAt: Date(millisecondsSince1970: try row.decode(atIndex: 14)),
            expiresAt: Date(millisecondsSince1970: try row.decode(atIndex: 15)),
            decidedBy: try row.decode(atIndex: 16),
            decidedAt: (try row.decode(atIndex: 17) as Int64?).map(Date.init(millisecondsSince1970:)),
            reply: try .stored(kind: row.decode(atIndex: 18), url: row.decode(atIndex: 19)),
            decisionReply: try .stored(kind: row.decode(atIndex: 21), url: row.decode(atIndex: 22)),
            executionRequestID: try row.decode(atIndex: 20)
        )
    }
}
