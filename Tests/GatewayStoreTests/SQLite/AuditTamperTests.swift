import Foundation
import GatewayVocabulary
import GRDB
import GatewayStore
import Testing

/// Each test writes five records (the second and fourth name the person who asked, as a chat caller's do), edits the file directly as someone with write access to it would (dropping
/// the append-only triggers first), reopens the store and checks what verification reports.
@Suite("Audit tamper detection")
struct AuditTamperTests {
    /// The outcome of one tampering: the records written before, and the verification after.
    private struct Tampered {
        var records: [AuditRecord]
        var verification: AuditVerification
        var anchoredVerification: AuditVerification
    }

    /// Writes five records, runs `edit` on the closed file, and verifies with and without the last head as anchor.
    private func tamper(_ edit: @escaping @Sendable (Database, [AuditRecord]) throws -> Void) async throws -> Tampered {
        try await withDatabasePath { path in
            let store = try await SQLiteGatewayStore.open(path: path)
            var appended: [AuditRecord] = []
            for number in 1...5 {
                var event = Fixtures.event(number)
                if number.isMultiple(of: 2) {
                    event.requestedBy = "person-\(number)"
                    event.platform = "slack"
                }
                appended.append(try await store.appendAudit(event))
            }
            let records = appended
            try await store.close()

            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(
                    sql: "DROP TRIGGER audit_is_append_only_update; DROP TRIGGER audit_is_append_only_delete; DROP TRIGGER audit_head_is_kept"
                )
                try edit(db, records)
            }
            try queue.close()

            let reopened = try await SQLiteGatewayStore.open(path: path)
            let verification = try await reopened.verifyAuditChain()
            let anchored = try await reopened.verifyAuditChain(anchor: records[4].head)
            try await reopened.close()
            return Tampered(records: records, verification: verification, anchoredVerification: anchored)
        }
    }

    @Test("Without dropping its triggers, the trail refuses updates and deletes")
    func triggersRefuseChanges() async throws {
        try await withDatabasePath { path in
            let store = try await SQLiteGatewayStore.open(path: path)
            let records = try await store.appendEvents(2)
            try await store.close()

            let queue = try DatabaseQueue(path: path)
            await #expect(throws: DatabaseError.self) {
                try await queue.write { db in try db.execute(sql: "UPDATE audit SET ticket = 'x' WHERE sequence = 1") }
            }
            await #expect(throws: DatabaseError.self) {
                try await queue.write { db in try db.execute(sql: "UPDATE audit SET requested_by = 'x' WHERE sequence = 1") }
            }
            await #expect(throws: DatabaseError.self) {
                try await queue.write { db in try db.execute(sql: "DELETE FROM audit WHERE sequence = 2") }
            }
            await #expect(throws: DatabaseError.self) {
                try await queue.write { db in try db.execute(sql: "DELETE FROM audit_head") }
            }
            try queue.close()

            let reopened = try await SQLiteGatewayStore.open(path: path)
            #expect(try await reopened.verifyAuditChain() == .intact(count: 2, lastHash: records[1].hash))
            try await reopened.close()
        }
    }

    @Test("Editing a column is detected at that record")
    func editedColumnIsDetected() async throws {
        let result = try await self.tamper { db, _ in
            try db.execute(sql: "UPDATE audit SET outcome = 'not_applied' WHERE sequence = 3")
        }
        #expect(result.verification == .broken(atSequence: 3, reason: .recordAltered))
    }

    @Test("Changing, adding or removing the person who asked is detected at that record")
    func editedPersonIsDetected() async throws {
        let changed = try await self.tamper { db, _ in
            try db.execute(sql: "UPDATE audit SET requested_by = 'someone-else' WHERE sequence = 2")
        }
        #expect(changed.verification == .broken(atSequence: 2, reason: .recordAltered))
        let added = try await self.tamper { db, _ in
            try db.execute(sql: "UPDATE audit SET requested_by = 'someone-else' WHERE sequence = 3")
        }
        #expect(added.verification == .broken(atSequence: 3, reason: .recordAltered))
        let removed = try await self.tamper { db, _ in
            try db.execute(sql: "UPDATE audit SET requested_by = NULL, platform = NULL WHERE sequence = 4")
        }
        #expect(removed.verification == .broken(atSequence: 4, reason: .recordAltered))
    }

    @Test("Editing a record and recomputing its hash breaks the next link")
    func rehashedRecordIsDetected() async throws {
        let result = try await self.tamper { db, records in
            var forged = records[2].event
            forged.targetID = "9999"
            let hash = AuditChain.hash(sequence: 3, previousHash: records[2].previousHash, event: forged)
            try db.execute(literal: "UPDATE audit SET target_id = '9999', hash = \(hash) WHERE sequence = 3")
        }
        #expect(result.verification == .broken(atSequence: 4, reason: .linkBroken))
    }

    @Test("Deleting a middle record leaves a gap")
    func deletedMiddleRecordIsDetected() async throws {
        let result = try await self.tamper { db, _ in
            try db.execute(sql: "DELETE FROM audit WHERE sequence = 3")
        }
        #expect(result.verification == .broken(atSequence: 3, reason: .sequenceGap))
    }

    @Test("Deleting a middle record and renumbering the rest breaks the link")
    func renumberedRecordsAreDetected() async throws {
        let result = try await self.tamper { db, _ in
            try db.execute(sql: "DELETE FROM audit WHERE sequence = 3")
            try db.execute(sql: "UPDATE audit SET sequence = sequence - 1 WHERE sequence > 3")
            try db.execute(sql: "UPDATE audit_head SET sequence = 4")
        }
        #expect(result.verification == .broken(atSequence: 3, reason: .linkBroken))
    }

    @Test("Swapping two records is detected")
    func reorderedRecordsAreDetected() async throws {
        let result = try await self.tamper { db, _ in
            try db.execute(sql: "UPDATE audit SET sequence = -3 WHERE sequence = 3")
            try db.execute(sql: "UPDATE audit SET sequence = 3 WHERE sequence = 4")
            try db.execute(sql: "UPDATE audit SET sequence = 4 WHERE sequence = -3")
        }
        #expect(result.verification == .broken(atSequence: 3, reason: .linkBroken))
    }

    @Test("Deleting the last record is detected through the head kept beside the chain")
    func deletedTailIsDetected() async throws {
        let result = try await self.tamper { db, _ in
            try db.execute(sql: "DELETE FROM audit WHERE sequence = 5")
        }
        #expect(result.verification == .broken(atSequence: 5, reason: .headMismatch))
    }

    @Test("Deleting the last record and rewinding the head passes, unless checked against a published anchor")
    func rewoundTailNeedsAnAnchor() async throws {
        let result = try await self.tamper { db, records in
            try db.execute(sql: "DELETE FROM audit WHERE sequence = 5")
            try db.execute(literal: "UPDATE audit_head SET sequence = 4, hash = \(records[3].hash)")
        }
        // The documented limit: someone who can write the file can cut the tail consistently.
        #expect(result.verification == .intact(count: 4, lastHash: result.records[3].hash))
        #expect(result.anchoredVerification == .broken(atSequence: 5, reason: .anchorMismatch))
    }

    @Test("Rewriting history with recomputed hashes is caught only by an anchor")
    func rewrittenHistoryNeedsAnAnchor() async throws {
        let result = try await self.tamper { db, records in
            let forged = Self.forge(records)
            for record in forged[2...] {
                try db.execute(
                    literal: """
                        UPDATE audit SET decision = \(record.event.decision.rawValue), hash = \(record.hash), previous_hash = \(record.previousHash)
                        WHERE sequence = \(record.sequence)
                        """
                )
            }
            try db.execute(literal: "UPDATE audit_head SET hash = \(forged[4].hash)")
        }
        let forged = Self.forge(result.records)
        #expect(forged[4].hash != result.records[4].hash)
        #expect(result.verification == .intact(count: 5, lastHash: forged[4].hash))
        #expect(result.anchoredVerification == .broken(atSequence: 5, reason: .anchorMismatch))
    }

    /// `records` with every decision from the third on turned into `failed`, re-chained with fresh hashes.
    private static func forge(_ records: [AuditRecord]) -> [AuditRecord] {
        var forged = Array(records[..<2])
        for original in records[2...] {
            var event = original.event
            event.decision = .failed
            forged.append(AuditRecord(appending: event, after: forged[forged.count - 1].head))
        }
        return forged
    }

    @Test("A text value where a number belongs is read as SQLite converts it, so the hash catches it")
    func mistypedValueIsDetected() async throws {
        let result = try await self.tamper { db, _ in
            try db.execute(sql: "UPDATE audit SET attempts = 'many' WHERE sequence = 2")
        }
        #expect(result.verification == .broken(atSequence: 2, reason: .recordAltered))
    }

    @Test("A value that cannot be read at all is reported, not a crash")
    func unreadableRecordIsReported() async throws {
        let result = try await self.tamper { db, _ in
            // Rebuild the table without its NOT NULL constraints, then blank a required value.
            try db.execute(
                sql: """
                    ALTER TABLE audit RENAME TO audit_original;
                    CREATE TABLE audit AS SELECT * FROM audit_original;
                    DROP TABLE audit_original;
                    UPDATE audit SET attempts = NULL WHERE sequence = 2;
                    """
            )
        }
        #expect(result.verification == .broken(atSequence: 2, reason: .unreadableRecord))
    }

    @Test("Removing the head row is detected")
    func removedHeadIsDetected() async throws {
        let result = try await self.tamper { db, _ in
            try db.execute(sql: "DELETE FROM audit_head")
        }
        #expect(result.verification == .broken(atSequence: 1, reason: .headMismatch))
    }
}
