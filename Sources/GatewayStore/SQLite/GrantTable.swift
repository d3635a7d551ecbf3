import Foundation
import GatewayVocabulary
import GRDB

/// The `access_grant` table: every statement is a cached prepared statement, run inside the caller's
/// transaction (the writer's group commit, or a read snapshot). The SQL texts are built once, not per call.
enum GrantTable {
    /// The columns read back into a ``Grant``, in ``grant(from:)``'s order.
    private static let columns = """
        id, target_kind, target_id, caller, ticket, requested_by, request_id, starts_at, expires_at, state, extensions,
        revoke_attempts, due_at, ended_at, ended_by, last_error_code
        """
    private static let openStates = "('active', 'revoking', 'revoke_failed')"
    private static let selectByIDSQL = "SELECT \(columns) FROM access_grant WHERE id = ?"
    private static let selectOpenByTargetSQL = "SELECT \(columns) FROM access_grant WHERE target_kind = ? AND target_id = ? AND state IN \(openStates)"
    private static let listOpenSQL = listSQL(where: "state IN \(openStates)")
    private static let listEndedSQL = listSQL(where: "state NOT IN \(openStates)")
    private static let listAllSQL = listSQL(where: "1")
    /// A running attempt loses its lease (its completion then changes nothing); a failed one is re-armed.
    private static let extendSQL = """
        UPDATE access_grant SET expires_at = MAX(expires_at, ?1), due_at = MAX(expires_at, ?1), state = 'active',
            lease_owner = NULL, lease_token = NULL, extensions = extensions + 1, revoke_attempts = 0, last_error_code = NULL,
            updated_at = ?2
        WHERE id = ?3 AND state IN \(openStates)
        """
    private static let endSQL = Self.endSQL(state: "revoked")
    /// Only a grant nobody extended: an extension means another request enabled the target too.
    private static let cancelSQL = Self.endSQL(state: "cancelled") + " AND extensions = 0"
    private static let leaseSQL = """
        UPDATE access_grant SET state = 'revoking', lease_owner = ?, lease_token = ?, due_at = ?, revoke_attempts = revoke_attempts + 1,
            updated_at = ?
        WHERE id = ? AND state IN \(openStates)
        """

    /// The listing with a state filter; arguments: caller, kind, id, ticket, each `NULL` for any.
    private static func listSQL(where states: String) -> String {
        """
        SELECT \(columns) FROM access_grant
        WHERE \(states) AND (?1 IS NULL OR caller = ?1) AND (?2 IS NULL OR target_kind = ?2) AND (?3 IS NULL OR target_id = ?3)
        AND (?4 IS NULL OR ticket = ?4)
        ORDER BY starts_at DESC, id DESC
        """
    }

    private static func endSQL(state: String) -> String {
        """
        UPDATE access_grant SET state = '\(state)', ended_at = ?1, ended_by = ?2, due_at = NULL, lease_owner = NULL, lease_token = NULL,
            updated_at = ?1
        WHERE id = ?3 AND state IN \(openStates)
        """
    }

    // MARK: Reads

    static func grant(id: String, in db: Database) throws -> Grant? {
        try self.fetchOne(Self.selectByIDSQL, [id], in: db)
    }

    static func openGrant(kind: TargetKind, id: Int, in db: Database) throws -> Grant? {
        try self.fetchOne(Self.selectOpenByTargetSQL, [kind.rawValue, id], in: db)
    }

    /// The earliest time the scheduler has something to do, if anything is pending.
    static func nextDue(in db: Database) throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(due_at) FROM access_grant WHERE due_at IS NOT NULL"))
            .map(Date.init(millisecondsSince1970:))
    }

    /// Grants matching `query`, newest first, keeping only those `isVisible` accepts, until `query.limit`.
    static func grants(matching query: GrantQuery, isVisible: (Grant) -> Bool, in db: Database) throws -> [Grant] {
        let sql =
            switch query.states {
            case .open: Self.listOpenSQL
            case .ended: Self.listEndedSQL
            case .all: Self.listAllSQL
            }
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: sql),
            arguments: [query.caller, query.targetKind, query.targetID, query.ticket]
        )
        var grants: [Grant] = []
        while grants.count < query.limit, let row = try rows.next() {
            let grant = try Self.grant(from: row)
            if isVisible(grant) { grants.append(grant) }
        }
        return grants
    }

    // MARK: Writes

    /// Inserts `grant` unless its target already has an open grant; returns whether it did.
    static func open(_ grant: Grant, now: Date, in db: Database) throws -> Bool {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO access_grant (id, target_kind, target_id, caller, ticket, requested_by, request_id, starts_at,
                    expires_at, state, due_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)
                """
        ).execute(arguments: [
            grant.id, grant.targetKind, grant.targetID, grant.caller, grant.ticket, grant.requestedBy, grant.requestID,
            grant.startsAt.millisecondsSince1970, grant.expiresAt.millisecondsSince1970, grant.expiresAt.millisecondsSince1970,
            now.millisecondsSince1970,
        ])
        return db.changesCount == 1
    }

    /// Applies an answered action's change to an open grant; returns whether the grant was still open.
    static func apply(_ change: GrantChange, now: Date, in db: Database) throws -> Bool {
        let sql: String
        var arguments: StatementArguments
        switch change.kind {
        case .extend(let expiresAt):
            sql = Self.extendSQL
            arguments = [expiresAt.millisecondsSince1970, now.millisecondsSince1970, change.grantID]
        case .cancel:
            sql = Self.cancelSQL
            arguments = [now.millisecondsSince1970, nil, change.grantID]
        case .end(let endedBy):
            sql = Self.endSQL
            arguments = [now.millisecondsSince1970, endedBy, change.grantID]
        }
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
        return db.changesCount == 1
    }

    /// The ids of grants due at `now`, earliest first.
    static func dueIDs(now: Date, limit: Int, in db: Database) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT id FROM access_grant WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?"),
            arguments: [now.millisecondsSince1970, limit]
        )
    }

    /// Gives the grant's lease to a new attempt until `until`; the lease's end is also when it falls due again.
    static func lease(id: String, token: String, owner: String, until: Date, now: Date, in db: Database) throws -> Grant? {
        try db.cachedStatement(sql: Self.leaseSQL).execute(arguments: [owner, token, until.millisecondsSince1970, now.millisecondsSince1970, id])
        guard db.changesCount == 1 else { return nil }
        return try self.grant(id: id, in: db)
    }

    /// Records an attempt's result if it still holds the lease; returns the grant afterwards, `nil` if the
    /// lease was lost (an extension, a disable or another attempt came first).
    static func complete(_ completion: RevocationCompletion, now: Date, in db: Database) throws -> Grant? {
        let sql: String
        var arguments: StatementArguments
        switch completion.result {
        case .revoked(let endedBy):
            sql = """
                UPDATE access_grant SET state = 'revoked', ended_at = ?1, ended_by = ?2, due_at = NULL, lease_owner = NULL, lease_token = NULL,
                    last_error_code = NULL, updated_at = ?1
                WHERE id = ?3 AND lease_token = ?4 AND state = 'revoking'
                """
            arguments = [now.millisecondsSince1970, endedBy, completion.grantID, completion.leaseToken]
        case .retry(let at, let errorCode):
            sql = """
                UPDATE access_grant SET state = 'active', due_at = ?1, last_error_code = ?2, lease_owner = NULL, lease_token = NULL, updated_at = ?3
                WHERE id = ?4 AND lease_token = ?5 AND state = 'revoking'
                """
            arguments = [at.millisecondsSince1970, errorCode.rawValue, now.millisecondsSince1970, completion.grantID, completion.leaseToken]
        case .failed(let errorCode):
            sql = """
                UPDATE access_grant SET state = 'revoke_failed', due_at = NULL, last_error_code = ?1, lease_owner = NULL, lease_token = NULL,
                    updated_at = ?2
                WHERE id = ?3 AND lease_token = ?4 AND state = 'revoking'
                """
            arguments = [errorCode.rawValue, now.millisecondsSince1970, completion.grantID, completion.leaseToken]
        }
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
        guard db.changesCount == 1 else { return nil }
        return try self.grant(id: completion.grantID, in: db)
    }

    /// Makes the leases `owner` held before it restarted due at once; returns how many.
    static func releaseLeases(owner: String, now: Date, in db: Database) throws -> Int {
        try db.cachedStatement(
            sql: """
                UPDATE access_grant SET state = 'active', due_at = ?, lease_owner = NULL, lease_token = NULL, updated_at = ?
                WHERE state = 'revoking' AND lease_owner = ?
                """
        ).execute(arguments: [now.millisecondsSince1970, now.millisecondsSince1970, owner])
        return db.changesCount
    }

    // MARK: Rows

    private static func fetchOne(_ sql: String, _ arguments: StatementArguments, in db: Database) throws -> Grant? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments).map(Self.grant(from:))
    }

    /// Moves the end of `token`'s lease to `until`; returns whether `token` still held it.
    static func renewLease(id: String, token: String, until: Date, in db: Database) throws -> Bool {
        try db.cachedStatement(sql: "UPDATE access_grant SET due_at = ? WHERE id = ? AND lease_token = ? AND state = 'revoking'")
            .execute(arguments: [until.millisecondsSince1970, id, token])
        return db.changesCount == 1
    }

    private static func grant(from row: Row) throws -> Grant {
        let state: String = try row.decode(atIndex: 9)
        guard let grantState = GrantState(rawValue: state) else { throw StoreError.corruptedData }
        return Grant(
            id: try row.decode(atIndex: 0),
            targetKind: try row.decode(atIndex: 1),
            targetID: try row.decode(atIndex: 2),
            caller: try row.decode(atIndex: 3),
            ticket: try row.decode(atIndex: 4),
            requestedBy: try row.decode(atIndex: 5),
            requestID: try row.decode(atIndex: 6),
            startsAt: Date(millisecondsSince1970: try row.decode(atIndex: 7)),
            expiresAt: Date(millisecondsSince1970: try row.decode(atIndex: 8)),
            state: grantState,
            extensions: try row.decode(atIndex: 10),
            revokeAttempts: try row.decode(atIndex: 11),
            dueAt: (try row.decode(atIndex: 12) as Int64?).map(Date.init(millisecondsSince1970:)),
            endedAt: (try row.decode(atIndex: 13) as Int64?).map(Date.init(millisecondsSince1970:)),
            endedBy: try row.decode(atIndex: 14),
            lastErrorCode: try row.decode(atIndex: 15)
        )
    }
}
