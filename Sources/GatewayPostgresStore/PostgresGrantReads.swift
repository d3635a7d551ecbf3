import Foundation
import GatewayStore
import GatewayVocabulary
import Logging
import PostgresNIO

/// Grant reads, on a connection of the pool or inside a write batch's transaction.
enum PostgresGrantReads {
    static func grant(id: String, on connection: PostgresConnection, logger: Logger) async throws -> Grant? {
        try await self.first(connection.query("SELECT \(unescaped: PostgresRows.grantColumns) FROM access_grant WHERE id = \(id)", logger: logger))
    }

    static func openGrant(kind: TargetKind, id: Int, on connection: PostgresConnection, logger: Logger) async throws -> Grant? {
        try await self.first(
            connection.query(
                """
                SELECT \(unescaped: PostgresRows.grantColumns) FROM access_grant
                WHERE target_kind = \(kind.rawValue) AND target_id = \(id) AND state IN ('active', 'revoking', 'revoke_failed')
                """,
                logger: logger
            )
        )
    }

    /// Grants matching `query`, newest first, keeping those `isVisible` accepts until `query.limit`; rows stream
    /// from the server, so a caller who sees few of many grants does not hold them all in memory.
    static func grants(matching query: GrantQuery, isVisible: (Grant) -> Bool, on connection: PostgresConnection, logger: Logger) async throws -> [Grant] {
        let states =
            switch query.states {
            case .open: "state IN ('active', 'revoking', 'revoke_failed')"
            case .ended: "state NOT IN ('active', 'revoking', 'revoke_failed')"
            case .all: "TRUE"
            }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: PostgresRows.grantColumns) FROM access_grant
            WHERE \(unescaped: states) AND (\(query.caller)::text IS NULL OR caller = \(query.caller))
                AND (\(query.targetKind?.rawValue)::text IS NULL OR target_kind = \(query.targetKind?.rawValue))
                AND (\(query.targetID)::bigint IS NULL OR target_id = \(query.targetID)) AND (\(query.ticket)::text IS NULL OR ticket = \(query.ticket))
            ORDER BY starts_at DESC, id DESC
            """,
            logger: logger
        )
        var grants: [Grant] = []
        for try await row in rows {
            let grant = try PostgresRows.grant(row)
            if isVisible(grant) { grants.append(grant) }
            if grants.count == query.limit { break }
        }
        return grants
    }

    private static func first(_ rows: PostgresRowSequence) async throws -> Grant? {
        var grant: Grant?
        for try await row in rows where grant == nil { grant = try PostgresRows.grant(row) }
        return grant
    }
}
