import Foundation
import GatewayStore
import GatewayVocabulary
import Logging
import PostgresNIO

/// Approval reads, on a connection of the pool or inside a write batch's transaction. Each request is read with its
/// votes in one row (two arrays in vote order), so a listing is one query.
enum PostgresApprovalReads {
    /// The columns ``request(_:)`` reads, in its order.
    private static let columns = """
        id, caller, delivery_id, request_id, requested_by, platform, action, target_kind, target_id, ticket, reason, duration_ms,
        required_approvals, state, created_at, expires_at, decided_by, decided_at, reply_kind, reply_url, execution_request_id,
        decision_reply_kind, decision_reply_url,
        (SELECT COALESCE(array_agg(approver ORDER BY position), '{}') FROM approval_vote WHERE approval_id = approval_request.id),
        (SELECT COALESCE(array_agg(voted_at ORDER BY position), '{}') FROM approval_vote WHERE approval_id = approval_request.id)
        """

    static func approval(id: String, on connection: PostgresConnection, logger: Logger) async throws -> ApprovalRequest? {
        try await self.all(connection.query("SELECT \(unescaped: Self.columns) FROM approval_request WHERE id = \(id)", logger: logger)).first
    }

    static func approval(caller: String, deliveryID: String, on connection: PostgresConnection, logger: Logger) async throws -> ApprovalRequest? {
        try await self.all(
            connection.query(
                "SELECT \(unescaped: Self.columns) FROM approval_request WHERE caller = \(caller) AND delivery_id = \(deliveryID)", logger: logger
            )
        ).first
    }

    /// Requests newest first, at most `limit`; a `nil` filter matches anything.
    static func approvals(state: ApprovalState?, caller: String?, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [ApprovalRequest] {
        try await self.all(
            connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM approval_request
                WHERE (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue)) AND (\(caller)::text IS NULL OR caller = \(caller))
                ORDER BY created_at DESC, id DESC LIMIT \(limit)
                """,
                logger: logger
            )
        )
    }

    private static func all(_ rows: PostgresRowSequence) async throws -> [ApprovalRequest] {
        var requests: [ApprovalRequest] = []
        for try await row in rows { requests.append(try Self.request(row)) }
        return requests
    }

    private static func request(_ row: PostgresRow) throws -> ApprovalRequest {
        let columns = row.makeRandomAccess()
        let approvers = try columns[23].decode([String].self)
        let votedAt = try columns[24].decode([Int64].self)
        guard approvers.count == votedAt.count else { throw StoreError.corruptedData }
        return ApprovalRequest(
            id: try columns[0].decode(String.self),
            caller: try columns[1].decode(String.self),
            deliveryID: try columns[2].decode(String.self),
            requestID: try columns[3].decode(String.self),
            requestedBy: try columns[4].decode(String.self),
            platform: try columns[5].decode(String?.self),
            action: try PostgresRows.parse(columns[6].decode(String.self), as: TargetAction.self),
            targetKind: try PostgresRows.parse(columns[7].decode(String.self), as: TargetKind.self),
            targetID: try columns[8].decode(Int.self),
            ticket: try columns[9].decode(String.self),
            reason: try columns[10].decode(String?.self),
            duration: try columns[11].decode(Int64?.self).map(Duration.milliseconds),
            requiredApprovals: try columns[12].decode(Int.self),
            votes: zip(approvers, votedAt).map { ApprovalVote(approver: $0, at: Date(millisecondsSince1970: $1)) },
            state: try PostgresRows.parse(columns[13].decode(String.self), as: ApprovalState.self),
            createdAt: Date(millisecondsSince1970: try columns[14].decode(Int64.self)),
            expiresAt: Date(millisecondsSince1970: try columns[15].decode(Int64.self)),
            decidedBy: try columns[16].decode(String?.self),
            decidedAt: try columns[17].decode(Int64?.self).map(Date.init(millisecondsSince1970:)),
            reply: try .stored(kind: columns[18].decode(String?.self), url: columns[19].decode(String?.self)),
            decisionReply: try .stored(kind: columns[21].decode(String?.self), url: columns[22].decode(String?.self)),
            executionRequestID: try columns[20].decode(String?.self)
        )
    }
}
