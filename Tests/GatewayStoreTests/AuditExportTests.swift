import Foundation
import GatewayStore
import Testing

@Suite("Audit export")
struct AuditExportTests {
    /// A small page size, so every export below crosses several pages.
    private let configuration = SQLiteGatewayStore.Configuration(exportPageSize: 3)

    @Test("Records stream in sequence order across pages")
    func recordsStreamInOrder() async throws {
        try await withStore(self.configuration) { store in
            let appended = try await store.appendEvents(10)
            #expect(try await store.exportedRecords() == appended)
        }
    }

    @Test("A page boundary at the very end ends the stream")
    func exactMultipleOfThePageSize() async throws {
        try await withStore(self.configuration) { store in
            let appended = try await store.appendEvents(6)
            #expect(try await store.exportedRecords() == appended)
        }
    }

    @Test("An export resumes after a sequence number")
    func exportResumes() async throws {
        try await withStore(self.configuration) { store in
            let appended = try await store.appendEvents(10)
            #expect(try await store.exportedRecords(afterSequence: 4) == Array(appended[4...]))
            #expect(try await store.exportedRecords(afterSequence: 10) == [])
        }
    }

    @Test("`since` keeps records that occurred at or after it")
    func sinceFilters() async throws {
        try await withStore(self.configuration) { store in
            let appended = try await store.appendEvents(10)
            // Event n occurs n minutes and 250 ms after the start.
            let since = Fixtures.start.addingTimeInterval(6 * 60 + 0.25)
            #expect(try await store.exportedRecords(since: since) == Array(appended[5...]))
            #expect(try await store.exportedRecords(since: since, afterSequence: 8) == Array(appended[8...]))
            #expect(try await store.exportedRecords(since: Fixtures.start.addingTimeInterval(86_400)) == [])
        }
    }

    @Test("An empty trail exports nothing")
    func emptyTrailExportsNothing() async throws {
        try await withStore(self.configuration) { store in
            let exported = try await store.exportedRecords()
            #expect(exported == [])
        }
    }

    @Test("A consumer may stop early")
    func consumerStopsEarly() async throws {
        try await withStore(self.configuration) { store in
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
