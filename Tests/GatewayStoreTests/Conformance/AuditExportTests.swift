import Foundation
import GatewayStore
import Testing

@Suite("Audit export")
struct AuditExportTests {
    /// A small page size, so every export below crosses several pages.
    private let settings = StoreBackend.Settings(exportPageSize: 3)

    @Test("Records stream in sequence order across pages", arguments: StoreBackend.allCases)
    func recordsStreamInOrder(_ backend: StoreBackend) async throws {
        try await backend.withStore(self.settings) { store in
            let appended = try await store.appendEvents(10)
            #expect(try await store.exportedRecords() == appended)
        }
    }

    @Test("A page boundary at the very end ends the stream", arguments: StoreBackend.allCases)
    func exactMultipleOfThePageSize(_ backend: StoreBackend) async throws {
        try await backend.withStore(self.settings) { store in
            let appended = try await store.appendEvents(6)
            #expect(try await store.exportedRecords() == appended)
        }
    }

    @Test("An export resumes after a sequence number", arguments: StoreBackend.allCases)
    func exportResumes(_ backend: StoreBackend) async throws {
        try await backend.withStore(self.settings) { store in
            let appended = try await store.appendEvents(10)
            #expect(try await store.exportedRecords(afterSequence: 4) == Array(appended[4...]))
            #expect(try await store.exportedRecords(afterSequence: 10) == [])
        }
    }

    @Test("`since` keeps records that occurred at or after it", arguments: StoreBackend.allCases)
    func sinceFilters(_ backend: StoreBackend) async throws {
        try await backend.withStore(self.settings) { store in
            let appended = try await store.appendEvents(10)
            // Event n occurs n minutes and 250 ms after the start.
            let since = Fixtures.start.addingTimeInterval(6 * 60 + 0.25)
            #expect(try await store.exportedRecords(since: since) == Array(appended[5...]))
            #expect(try await store.exportedRecords(since: since, afterSequence: 8) == Array(appended[8...]))
            #expect(try await store.exportedRecords(since: Fixtures.start.addingTimeInterval(86_400)) == [])
        }
    }

    @Test("An empty trail exports nothing", arguments: StoreBackend.allCases)
    func emptyTrailExportsNothing(_ backend: StoreBackend) async throws {
        try await backend.withStore(self.settings) { store in
            let exported = try await store.exportedRecords()
            #expect(exported == [])
        }
    }

    @Test("A consumer may stop early", arguments: StoreBackend.allCases)
    func consumerStopsEarly(_ backend: StoreBackend) async throws {
        try await backend.withStore(self.settings) { store in
            let appended = try await store.appendEvents(10)
            var firstFour: [AuditRecord] = []
            for try await record in store.auditRecords(since: nil, afterSequence: nil) {
                firstFour.append(record)
                if firstFour.count == 4 { break }
            }
            #expect(firstFour == Array(appended[..<4]))
        }
    }
}
