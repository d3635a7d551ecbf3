import Foundation
import GatewayVocabulary
import GRDB
import GRDBSQLite

/// The last completed change of each target (`target_change`): what lets a delivery acted on again be refused
/// when another change to the same target completed since its earlier attempt.
///
/// A change is completed when Segura applied it or reported the target already in that state
/// (`applied`, `already_in_state`), or when a revocation disabled it (`grant_revoked`). One row per target,
/// overwritten by each completion, so the table holds one small row per object ever changed.
enum TargetChangeTable {
    /// Records `event` as its target's latest completed change, if it is one.
    static func note(_ event: AuditEvent, in db: Database) throws {
        guard let (kind, id) = event.completedChangeTarget else { return }
        try DirectStatement(
            db,
            sql: """
                INSERT INTO target_change (target_kind, target_id, request_id, completed_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (target_kind, target_id) DO UPDATE SET request_id = excluded.request_id, completed_at = excluded.completed_at
                WHERE excluded.completed_at >= target_change.completed_at
                """
        ).execute([SQLValue(kind.rawValue), SQLValue(id), SQLValue(event.requestID), SQLValue(event.occurredAt.millisecondsSince1970)])
    }

    /// The request that completed a change to `target` after `instant`, if any.
    static func completedChange(to target: Target, after instant: Date, in db: Database) throws -> String? {
        try DirectStatement(db, sql: "SELECT request_id FROM target_change WHERE target_kind = ? AND target_id = ? AND completed_at > ?")
            .first([SQLValue(target.kind.rawValue), SQLValue(String(target.id)), SQLValue(instant.millisecondsSince1970)]) { row in try row.text(0) }
    }
}
