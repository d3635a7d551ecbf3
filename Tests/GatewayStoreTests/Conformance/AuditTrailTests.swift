import Foundation
import GatewayVocabulary
import GRDB
import Testing

@testable import GatewayStore

@Suite("Audit trail")
struct AuditTrailTests {
    @Test("Appends get gapless sequence numbers, each linked to the one before", arguments: StoreBackend.allCases)
    func appendsChain(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let records = try await store.appendEvents(5)
            #expect(records.map(\.sequence) == [1, 2, 3, 4, 5])
            #expect(records[0].previousHash == AuditChain.genesisHash)
            for (previous, record) in zip(records, records.dropFirst()) {
                #expect(record.previousHash == previous.hash)
            }
            for record in records {
                #expect(record.hash == AuditChain.hash(sequence: record.sequence, previousHash: record.previousHash, event: record.event))
            }
            #expect(try await store.auditHead() == records[4].head)
            #expect(try await store.verifyAuditChain() == .intact(count: 5, lastHash: records[4].hash))
            #expect(try await store.verifyAuditChain(anchor: records[2].head) == .intact(count: 5, lastHash: records[4].hash))
        }
    }

    @Test("An empty trail verifies, with the genesis head", arguments: StoreBackend.allCases)
    func emptyTrailIsIntact(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let head = try await store.auditHead()
            #expect(head == .genesis)
            #expect(try await store.verifyAuditChain() == .intact(count: 0, lastHash: AuditChain.genesisHash))
        }
    }

    @Test("Every field is stored and read back exactly", arguments: StoreBackend.allCases)
    func fieldsRoundTrip(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let event = AuditEvent(
                requestID: "r-ü",
                deliveryID: "",
                caller: "servicenow",
                decision: AuditDecision(rawValue: "grant_expired"),
                ticket: "INC0001\nline two",
                action: .enable,
                targetKind: .sshKey,
                targetID: "77",
                outcome: .unknown,
                upstreamStatus: 504,
                seguraCode: 1017,
                errorCode: .upstreamTimeout,
                attempts: 3,
                latencyMilliseconds: 30_000,
                receivedAt: Date(timeIntervalSince1970: 1_800_000_000.0004),
                occurredAt: Date(timeIntervalSince1970: 1_800_000_030.9996)
            )
            let minimal = AuditEvent(
                requestID: "r2", caller: nil, decision: .rejectedSignature, receivedAt: Fixtures.start, occurredAt: Fixtures.start
            )
            let appended = [try await store.appendAudit(event), try await store.appendAudit(minimal)]
            #expect(appended[0].event == event)
            #expect(try await store.exportedRecords() == appended)
        }
    }

    @Test("Records survive closing and reopening, and the chain continues", arguments: StoreBackend.allCases)
    func recordsSurviveReopening(_ backend: StoreBackend) async throws {
        try await backend.withDatabase { database in
            let first = try await database.open()
            let before = try await first.appendEvents(3)
            try await first.close()
            await #expect(throws: StoreError.closed) { try await first.appendAudit(Fixtures.event(9)) }
            await #expect(throws: StoreError.closed) { try await first.claim("r1") }
            await #expect(throws: StoreError.closed) { try await first.verifyAuditChain() }

            let second = try await database.open()
            #expect(try await second.verifyAuditChain() == .intact(count: 3, lastHash: before[2].hash))
            #expect(try await second.exportedRecords() == before)
            let next = try await second.appendAudit(Fixtures.event(4))
            #expect(next.sequence == 4)
            #expect(next.previousHash == before[2].hash)
            try await second.close()
        }
    }

    @Test("A second store on the same file sees every committed record without the first closing, as after a crash", arguments: StoreBackend.allCases)
    func committedRecordsAreVisibleWithoutClosing(_ backend: StoreBackend) async throws {
        try await backend.withDatabase { database in
            let crashed = try await database.open()
            _ = try await crashed.claim("r1")
            try await crashed.complete("r1")
            let before = try await crashed.appendEvents(10)

            // `crashed` is never closed: its WAL is not checkpointed, as when the process is killed.
            let recovered = try await database.open()
            #expect(try await recovered.verifyAuditChain() == .intact(count: 11, lastHash: before[9].hash))
            #expect(try await recovered.exportedRecords().dropFirst() == before[...])
            #expect(try await recovered.storedResponse(requestID: "r1", caller: "jira") == Fixtures.response(requestID: "r1"))

            // Both writers append to one chain: the head is read inside each write transaction, so no fork.
            let fromRecovered = try await recovered.appendAudit(Fixtures.event(11))
            let fromCrashed = try await crashed.appendAudit(Fixtures.event(12))
            #expect(fromRecovered.sequence == 12)
            #expect(fromCrashed.sequence == 13)
            #expect(fromCrashed.previousHash == fromRecovered.hash)
            #expect(try await crashed.verifyAuditChain() == .intact(count: 13, lastHash: fromCrashed.hash))
            try await recovered.close()
            try await crashed.close()
        }
    }

    @Test("The person and the platform are stored and read back, and a trail mixing v1 and v2 records verifies", arguments: StoreBackend.allCases)
    func personAndPlatformRoundTrip(_ backend: StoreBackend) async throws {
        try await backend.withDatabase { database in
            var events = (1...5).map { Fixtures.event($0, caller: "slack") }
            events[1].requestedBy = "ana.souza"
            events[1].platform = "slack"
            events[2].platform = "teams"
            events[3].requestedBy = ""
            var store = try await database.open()
            var appended: [AuditRecord] = []
            for event in events {
                appended.append(try await store.appendAudit(event))
            }
            #expect(appended.map(\.event) == events)
            try await store.close()

            store = try await database.open()
            #expect(try await store.exportedRecords() == appended)
            #expect(try await store.verifyAuditChain() == .intact(count: 5, lastHash: appended[4].hash))
            let lines = try await store.exportedRecords().map(AuditJSONLines.line(for:))
            #expect(lines[1].hasSuffix(#","requested_by":"ana.souza","platform":"slack"}"#))
            #expect(lines[2].hasSuffix(#","requested_by":null,"platform":"teams"}"#))
            #expect(lines[3].hasSuffix(#","requested_by":"","platform":null}"#))
            #expect(lines[4].hasSuffix(#","requested_by":null,"platform":null}"#))
            try await store.close()
        }
    }
}
