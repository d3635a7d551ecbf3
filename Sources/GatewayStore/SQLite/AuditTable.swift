import Foundation
import GRDB

/// The audit trail's reads and writes inside a database access, shared by the store's operations.
enum AuditTable {
    /// The head recorded with the last append; `nil` only if the `audit_head` row was removed by hand.
    /// Read at the start of every write batch, so through a ``DirectStatement``.
    static func head(_ db: Database) throws -> AuditHead? {
        try DirectStatement(db, sql: "SELECT sequence, hash FROM audit_head WHERE id = 1").first([]) { row in
            AuditHead(sequence: Int(try row.integer(0)), hash: try row.text(1))
        }
    }

    /// Moves the head; once per write batch that appended records.
    static func storeHead(_ head: AuditHead, in db: Database) throws {
        try DirectStatement(db, sql: "UPDATE audit_head SET sequence = ?, hash = ? WHERE id = 1").execute([SQLValue(head.sequence), SQLValue(head.hash)])
    }

    /// Up to `limit` records after `afterSequence`, occurred at or after `since` when given, in sequence order.
    static func page(afterSequence: Int, since: Date?, limit: Int, in db: Database) throws -> [AuditRecord] {
        var request = AuditRow.filter(AuditRow.Columns.sequence > afterSequence)
        if let since {
            request = request.filter(AuditRow.Columns.occurredAt >= since.millisecondsSince1970)
        }
        return try request.order(AuditRow.Columns.sequence).limit(limit).fetchAll(db).map(\.record)
    }

    /// Walks the whole chain with a cursor (one row in memory at a time) within the caller's read transaction.
    static func verify(anchor: AuditHead?, in db: Database) throws -> AuditVerification {
        var verifier = AuditChainVerifier(anchor: anchor)
        let rows = try Row.fetchCursor(db, AuditRow.order(AuditRow.Columns.sequence))
        while let row = try rows.next() {
            let record: AuditRecord
            do {
                record = try AuditRow(row: row).record
            } catch {
                // `sequence` is the rowid, always an integer, so the break can be located; if even it cannot be
                // read (the schema itself was altered), this throws and the caller gets `corruptedData`.
                return .broken(atSequence: try row.decode(forColumn: AuditRow.Columns.sequence), reason: .unreadableRecord)
            }
            if let broken = verifier.check(record) { return broken }
        }
        // A missing head row is compared as the empty trail's head, so any record left makes it a mismatch.
        return verifier.finish(head: try Self.head(db) ?? .genesis)
    }
}
