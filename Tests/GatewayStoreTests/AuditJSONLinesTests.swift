import Foundation
import GatewayStore
import GatewayVocabulary
import Testing

/// The JSON Lines export format is a public contract for SIEMs, so these tests pin its exact bytes.
@Suite("Audit JSON Lines")
struct AuditJSONLinesTests {
    /// Every key of a line, in the documented order.
    static let documentedKeys = [
        "sequence", "hash", "previous_hash", "request_id", "delivery_id", "caller", "decision", "ticket", "action", "target_kind",
        "target_id", "outcome", "upstream_status", "segura_code", "error_code", "attempts", "latency_ms", "received_at", "occurred_at",
        "requested_by", "platform",
    ]

    /// A record with every field set.
    private let fullRecord = AuditRecord(
        appending: AuditEvent(
            requestID: "req_7f3a",
            deliveryID: "msg_2b1",
            caller: "servicenow",
            decision: .failed,
            ticket: "CHG0012345",
            action: .enable,
            targetKind: .credential,
            targetID: "42",
            outcome: .notApplied,
            upstreamStatus: 404,
            seguraCode: 1007,
            errorCode: .targetNotFound,
            attempts: 2,
            latencyMilliseconds: 38,
            requestedBy: "ana.souza",
            platform: "slack",
            receivedAt: Date(timeIntervalSince1970: 1_800_000_000.123),
            occurredAt: Date(timeIntervalSince1970: 1_800_000_000.456)
        ),
        after: AuditHead(sequence: 41, hash: String(repeating: "ab", count: 32))
    )

    /// The first record of ``AuditChain``'s documented example: only the required fields.
    private let sparseRecord = AuditRecord(
        appending: AuditEvent(
            requestID: "r1",
            caller: nil,
            decision: .rejectedSignature,
            receivedAt: Date(timeIntervalSince1970: 1),
            occurredAt: Date(timeIntervalSince1970: 1)
        ),
        after: .genesis
    )

    @Test("A record with every field set is one line of documented keys, in order")
    func everyFieldSet() {
        let expected =
            #"{"sequence":42,"hash":"\#(self.fullRecord.hash)","previous_hash":"\#(String(repeating: "ab", count: 32))","#
            + #""request_id":"req_7f3a","delivery_id":"msg_2b1","caller":"servicenow","decision":"failed","ticket":"CHG0012345","#
            + #""action":"enable","target_kind":"credential","target_id":"42","outcome":"not_applied","upstream_status":404,"#
            + #""segura_code":1007,"error_code":"target_not_found","attempts":2,"latency_ms":38,"#
            + #""received_at":"2027-01-15T08:00:00.123Z","occurred_at":"2027-01-15T08:00:00.456Z","#
            + #""requested_by":"ana.souza","platform":"slack"}"#
        #expect(AuditJSONLines.line(for: self.fullRecord) == expected)
    }

    @Test("Absent values are null, never omitted")
    func absentValuesAreNull() {
        let expected =
            #"{"sequence":1,"hash":"bf2adb4e3f75c39e39f460e46153a8e4e552c5ca5322dcbc1920434ca96c5c4f","#
            + #""previous_hash":"0000000000000000000000000000000000000000000000000000000000000000","request_id":"r1","#
            + #""delivery_id":null,"caller":null,"decision":"rejected_signature","ticket":null,"action":null,"target_kind":null,"#
            + #""target_id":null,"outcome":null,"upstream_status":null,"segura_code":null,"error_code":null,"attempts":0,"#
            + #""latency_ms":null,"received_at":"1970-01-01T00:00:01.000Z","occurred_at":"1970-01-01T00:00:01.000Z","#
            + #""requested_by":null,"platform":null}"#
        #expect(AuditJSONLines.line(for: self.sparseRecord) == expected)
    }

    @Test("A line parses as JSON with exactly the documented keys, in order, and null for absent values")
    func lineParsesAsJSON() throws {
        for record in [self.fullRecord, self.sparseRecord] {
            let line = AuditJSONLines.line(for: record)
            let object = try Self.parse(line)
            #expect(Set(object.keys) == Set(Self.documentedKeys))
            let offsets = Self.documentedKeys.compactMap { line.range(of: #""\#($0)":"#)?.lowerBound }
            #expect(offsets.count == Self.documentedKeys.count)
            #expect(offsets == offsets.sorted())
            #expect(try Self.record(from: object) == record)
        }
        let sparse = try Self.parse(AuditJSONLines.line(for: self.sparseRecord))
        #expect(sparse["caller"] is NSNull)
        #expect(sparse["latency_ms"] is NSNull)
        #expect(sparse["requested_by"] is NSNull)
        #expect(sparse["platform"] is NSNull)
    }

    @Test("Strings are escaped as JSON requires and read back unchanged")
    func stringsAreEscaped() throws {
        var event = self.sparseRecord.event
        event.ticket = "a\"b\\c\nd\re\tf\u{08}g\u{0C}h\u{01}i\u{1F}j/é😀"
        let line = AuditJSONLines.line(for: AuditRecord(appending: event, after: .genesis))
        #expect(line.contains(#""ticket":"a\"b\\c\nd\re\tf\bg\fh\u0001i\u001fj/é😀","#))
        #expect(!line.contains("\n"))
        #expect(try Self.parse(line)["ticket"] as? String == event.ticket)
    }

    @Test("A line holds what its hash covers, v1 or v2, so an export can be verified without the store")
    func exportedLinesVerifyOnTheirOwn() async throws {
        try await withStore { store in
            var appended = try await store.appendEvents(4)
            var chat = Fixtures.event(5)
            chat.platform = "teams"
            appended.append(try await store.appendAudit(chat))
            var lines: [String] = []
            _ = try await AuditExport.jsonLines(store.auditRecords(since: nil, afterSequence: nil)) { chunk in
                lines += String(decoding: chunk, as: UTF8.self).split(separator: "\n").map(String.init)
            }
            var verifier = AuditChainVerifier()
            for line in lines {
                #expect(verifier.check(try Self.record(from: Self.parse(line))) == nil)
            }
            #expect(verifier.finish(head: nil) == .intact(count: 5, lastHash: appended[4].hash))
        }
    }

    // MARK: Timestamps

    @Test(
        "Times are written in UTC with exactly three fractional digits",
        arguments: [
            (1_800_000_000, "2027-01-15T08:00:00.000Z"),
            (1_800_000_000.123, "2027-01-15T08:00:00.123Z"),
            (1_800_000_000.9996, "2027-01-15T08:00:01.000Z"),
            (0, "1970-01-01T00:00:00.000Z"),
            (-0.5, "1969-12-31T23:59:59.500Z"),
        ] as [(TimeInterval, String)]
    )
    func timestampsAreWritten(seconds: TimeInterval, expected: String) {
        #expect(AuditTimestamp.string(from: Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test(
        "Times are read with or without fractional seconds and with any offset",
        arguments: [
            ("2026-11-23T10:00:00Z", "2026-11-23T10:00:00.000Z"),
            ("2026-11-23T10:00:00.250Z", "2026-11-23T10:00:00.250Z"),
            ("2026-11-23T10:00:00.123456Z", "2026-11-23T10:00:00.123Z"),
            ("2026-11-23T12:00:00.5+02:00", "2026-11-23T10:00:00.500Z"),
        ]
    )
    func timestampsAreRead(text: String, canonical: String) throws {
        let date = try #require(AuditTimestamp.date(from: text))
        #expect(AuditTimestamp.string(from: date) == canonical)
    }

    @Test(
        "Text that is not a complete ISO 8601 date and time is refused",
        arguments: [
            "", "yesterday", "1795428000", "2026-11-23", "2026-11-23T10:00:00", "2026-11-23 10:00:00Z", "2026-11-23T10:00:00Z trailing",
        ]
    )
    func malformedTimestampsAreRefused(text: String) {
        #expect(AuditTimestamp.date(from: text) == nil)
    }

    // MARK: Helpers

    /// One line as a JSON object, through Foundation's parser rather than the encoder's own logic.
    static func parse(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    /// The record a parsed line describes, as a consumer re-implementing the format would rebuild it.
    static func record(from object: [String: Any]) throws -> AuditRecord {
        func required<Value>(_ key: String) throws -> Value {
            try #require(object[key] as? Value, "\(key) is missing or has the wrong type")
        }
        func time(_ key: String) throws -> Date {
            try #require(AuditTimestamp.date(from: try required(key)), "\(key) is not an ISO 8601 time")
        }
        let event = AuditEvent(
            requestID: try required("request_id"),
            deliveryID: object["delivery_id"] as? String,
            caller: object["caller"] as? String,
            decision: AuditDecision(rawValue: try required("decision")),
            ticket: object["ticket"] as? String,
            action: (object["action"] as? String).flatMap(TargetAction.init(rawValue:)),
            targetKind: (object["target_kind"] as? String).flatMap(TargetKind.init(rawValue:)),
            targetID: object["target_id"] as? String,
            outcome: (object["outcome"] as? String).flatMap(Outcome.init(rawValue:)),
            upstreamStatus: object["upstream_status"] as? Int,
            seguraCode: object["segura_code"] as? Int,
            errorCode: (object["error_code"] as? String).flatMap(ErrorCode.init(rawValue:)),
            attempts: try required("attempts"),
            latencyMilliseconds: object["latency_ms"] as? Int,
            requestedBy: object["requested_by"] as? String,
            platform: object["platform"] as? String,
            receivedAt: try time("received_at"),
            occurredAt: try time("occurred_at")
        )
        return AuditRecord(
            sequence: try required("sequence"), previousHash: try required("previous_hash"), hash: try required("hash"), event: event
        )
    }
}

extension AuditJSONLinesTests {
    /// `audit export` and `audit verify` end to end against a real store, short of the process itself.
    @Suite("Audit export and verify commands")
    struct CommandLogic {
        /// A small page size, so exports cross several pages.
        private let configuration = SQLiteGatewayStore.Configuration(exportPageSize: 3)

        /// What one export wrote.
        private struct Written {
            var chunks: [[UInt8]]
            var summary: AuditExport.Summary
            /// Every chunk, joined.
            var text: String { String(decoding: self.chunks.joined(), as: UTF8.self) }
        }

        /// Runs an export of `records` in chunks of `chunkSize` bytes.
        private func export(_ records: AsyncThrowingStream<AuditRecord, any Error>, chunkSize: Int = 64 * 1024) async throws -> Written {
            var chunks: [[UInt8]] = []
            let summary = try await AuditExport.jsonLines(records, chunkSize: chunkSize) { chunks.append($0) }
            return Written(chunks: chunks, summary: summary)
        }

        /// The export `records` must produce: each one's line, each line ending in a newline.
        private func lines(_ records: some Sequence<AuditRecord>) -> String {
            records.map { AuditJSONLines.line(for: $0) + "\n" }.joined()
        }

        @Test("Every record is written as its line, in sequence order, in chunks of whole lines")
        func exportWritesEveryRecord() async throws {
            try await withStore(self.configuration) { store in
                let appended = try await store.appendEvents(10)
                let chunkSize = 1000
                let written = try await self.export(store.auditRecords(since: nil, afterSequence: nil), chunkSize: chunkSize)

                #expect(written.text == self.lines(appended))
                #expect(written.summary.recordCount == 10)
                #expect(written.summary.lastSequence == 10)
                #expect(written.chunks.count > 1)
                for chunk in written.chunks {
                    #expect(chunk.last == UInt8(ascii: "\n"))
                    #expect(chunk.count < chunkSize + 1024, "a chunk holds at most one line beyond the chunk size")
                }
            }
        }

        @Test("`since` and `afterSequence` select what is written, and the summary says where to continue")
        func exportFilters() async throws {
            try await withStore(self.configuration) { store in
                let appended = try await store.appendEvents(10)
                // Event n occurs n minutes and 250 ms after the start; `--since` takes the text form.
                let sixth = AuditTimestamp.string(from: Fixtures.start.addingTimeInterval(6 * 60 + 0.25))
                let since = try #require(AuditTimestamp.date(from: sixth))

                let fromSix = try await self.export(store.auditRecords(since: since, afterSequence: nil))
                #expect(fromSix.text == self.lines(appended[5...]))
                #expect(fromSix.summary.recordCount == 5)
                #expect(fromSix.summary.lastSequence == 10)

                let resumed = try await self.export(store.auditRecords(since: since, afterSequence: 8))
                #expect(resumed.text == self.lines(appended[8...]))
                #expect(resumed.summary.lastSequence == 10)

                let nothing = try await self.export(store.auditRecords(since: nil, afterSequence: 10))
                #expect(nothing.chunks.isEmpty)
                #expect(nothing.summary.recordCount == 0)
                #expect(nothing.summary.lastSequence == nil)
            }
        }

        @Test("The head verify prints is an anchor later verifications accept, and a forged one is refused")
        func printedHeadAnchorsVerification() async throws {
            try await withStore(self.configuration) { store in
                let appended = try await store.appendEvents(5)
                let printed = try await store.auditHead().description
                #expect(printed == "5:\(appended[4].hash)")

                try await store.appendEvents(2)
                let anchor = try #require(AuditHead(printed))
                #expect(try await store.verifyAuditChain(anchor: anchor) == .intact(count: 7, lastHash: try await store.auditHead().hash))

                let forged = try #require(AuditHead("5:" + String(repeating: "0", count: 64)))
                #expect(try await store.verifyAuditChain(anchor: forged) == .broken(atSequence: 5, reason: .anchorMismatch))
            }
        }

        @Test("An anchor's hex digits may be upper-case; they are compared lower-case")
        func anchorIsCaseInsensitive() throws {
            let hash = String(repeating: "9f", count: 32)
            #expect(AuditHead(String(1234) + ":" + hash.uppercased()) == AuditHead(sequence: 1234, hash: hash))
            #expect(AuditHead("0:" + AuditChain.genesisHash) == .genesis)
            #expect(AuditHead.genesis.description == "0:" + AuditChain.genesisHash)
        }

        @Test(
            "An anchor that is not SEQUENCE:HASH is refused",
            arguments: [
                "", "12", "12:", ":" + AuditChain.genesisHash, "-1:" + AuditChain.genesisHash, "+1:" + AuditChain.genesisHash,
                " 1:" + AuditChain.genesisHash, "1:" + AuditChain.genesisHash + "0", "1:" + String(repeating: "g", count: 64),
                "1:2:" + AuditChain.genesisHash, "99999999999999999999:" + AuditChain.genesisHash,
            ]
        )
        func malformedAnchorsAreRefused(text: String) {
            #expect(AuditHead(text) == nil)
        }
    }
}
