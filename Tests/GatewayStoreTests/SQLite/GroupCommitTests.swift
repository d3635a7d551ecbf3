import Foundation
import GRDB
import GatewayStore
import Testing

@Suite("Audit group commit")
struct GroupCommitTests {
    /// Appends ``Fixtures/event(_:caller:)`` 1 through `count` from as many concurrent tasks.
    private func appendConcurrently(_ count: Int, to store: SQLiteGatewayStore) async throws -> [AuditRecord] {
        try await withThrowingTaskGroup(of: AuditRecord.self) { group in
            for number in 1...count {
                group.addTask { try await store.appendAudit(Fixtures.event(number)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test("200 concurrent appends form one gapless, verifying chain in far fewer transactions")
    func concurrentAppendsShareTransactions() async throws {
        try await withStore { store in
            let records = try await self.appendConcurrently(200, to: store)

            #expect(records.map(\.sequence).sorted() == Array(1...200))
            #expect(Set(records.map(\.event.requestID)).count == 200)
            let exported = try await store.exportedRecords()
            #expect(exported == records.sorted { $0.sequence < $1.sequence })
            #expect(try await store.verifyAuditChain() == .intact(count: 200, lastHash: exported[199].hash))

            let statistics = store.statistics
            #expect(statistics.writesCommitted == 200)
            #expect(statistics.batchesCommitted >= 1)
            #expect(statistics.batchesCommitted <= 50, "expected batches of 4 records or more, got \(statistics.batchesCommitted) batches")
        }
    }

    @Test("A batch never exceeds the configured size")
    func batchesAreBounded() async throws {
        try await withStore(SQLiteGatewayStore.Configuration(maximumBatchSize: 8)) { store in
            let records = try await self.appendConcurrently(100, to: store)
            #expect(records.count == 100)
            #expect(store.statistics.batchesCommitted >= 13)
            #expect(try await store.verifyAuditChain() == .intact(count: 100, lastHash: try await store.auditHead().hash))
        }
    }

    @Test("Closing waits for queued appends; later appends are refused")
    func closeDrainsTheQueue() async throws {
        try await withDatabasePath { path in
            let store = try await SQLiteGatewayStore.open(path: path)
            let appends = Task { try await self.appendConcurrently(50, to: store) }
            let records = try await appends.value
            try await store.close()
            #expect(records.count == 50)
            await #expect(throws: StoreError.closed) { try await store.appendAudit(Fixtures.event(51)) }

            let reopened = try await SQLiteGatewayStore.open(path: path)
            #expect(try await reopened.auditHead().sequence == 50)
            try await reopened.close()
        }
    }

    @Test("When a batch cannot be written every waiter gets the error and nothing is counted")
    func failedBatchReachesEveryWaiter() async throws {
        try await withDatabasePath { path in
            try await SQLiteGatewayStore.open(path: path).close()
            // Without its head row the chain cannot be extended: every append must fail, none may guess.
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in try db.execute(sql: "DROP TRIGGER audit_head_is_kept; DELETE FROM audit_head") }
            try queue.close()

            let store = try await SQLiteGatewayStore.open(path: path)
            let failures = await withTaskGroup(of: (any Error)?.self) { group in
                for number in 1...20 {
                    group.addTask {
                        do {
                            _ = try await store.appendAudit(Fixtures.event(number))
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(failures.count == 20)
            #expect(failures.allSatisfy { ($0 as? StoreError) == .corruptedData })
            #expect(store.statistics == GatewayStoreStatistics())
            await #expect(throws: StoreError.corruptedData) { try await store.auditHead() }
            try await store.close()
        }
    }

    @Test("An append from a cancelled task is still recorded")
    func cancelledAppendIsRecorded() async throws {
        try await withStore { store in
            let append = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await store.appendAudit(Fixtures.event(1))
            }
            let record = try await append.value
            #expect(record.sequence == 1)
            #expect(try await store.exportedRecords() == [record])
        }
    }
}
