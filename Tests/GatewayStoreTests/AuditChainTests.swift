import Foundation
import GatewayStore
import GatewayVocabulary
import Testing

@Suite("Audit chain hashing and verification")
struct AuditChainTests {
    /// The documented example: the first record, with no caller.
    private let firstEvent = AuditEvent(
        requestID: "r1",
        caller: nil,
        decision: .rejectedSignature,
        receivedAt: Date(timeIntervalSince1970: 1),
        occurredAt: Date(timeIntervalSince1970: 1)
    )

    /// Every field set, with a newline, `=` and a multi-byte character in a value.
    private let secondEvent = AuditEvent(
        requestID: "r2",
        deliveryID: "d-2",
        caller: "jira",
        decision: .alreadyInState,
        ticket: "CHG-7\nsecond line=é",
        action: .enable,
        targetKind: .credential,
        targetID: "42",
        outcome: .alreadyInState,
        upstreamStatus: 400,
        seguraCode: 1043,
        errorCode: .upstreamRejected,
        attempts: 2,
        latencyMilliseconds: -1,
        receivedAt: Date(timeIntervalSince1970: 1_800_000_000.123),
        occurredAt: Date(timeIntervalSince1970: 1_800_000_000.456)
    )

    @Test("The canonical serialization is the documented one")
    func serializationMatchesTheDocumentation() {
        let bytes = AuditChain.canonicalSerialization(sequence: 1, previousHash: AuditChain.genesisHash, event: self.firstEvent)
        let expected =
            "segura-gateway.audit.v1\nsequence=i1\nprevious_hash=s64:\(String(repeating: "0", count: 64))\nrequest_id=s2:r1\n"
            + "delivery_id=n\ncaller=n\ndecision=s18:rejected_signature\nticket=n\naction=n\ntarget_kind=n\ntarget_id=n\n"
            + "outcome=n\nupstream_status=n\nsegura_code=n\nerror_code=n\nattempts=i0\nlatency_ms=n\nreceived_at=i1000\n"
            + "occurred_at=i1000\n"
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    /// The documented `v2` example: a chat caller's request, naming the person and the platform.
    private let chatEvent = AuditEvent(
        requestID: "r2",
        caller: "slack",
        decision: .accepted,
        ticket: "CHG-7",
        action: .enable,
        targetKind: .credential,
        targetID: "42",
        requestedBy: "ana.souza",
        platform: "slack",
        receivedAt: Date(timeIntervalSince1970: 2),
        occurredAt: Date(timeIntervalSince1970: 2)
    )

    @Test("A record naming the person or the platform serializes as the documented v2: v1's lines, then both names")
    func version2SerializationMatchesTheDocumentation() {
        let previousHash = "bf2adb4e3f75c39e39f460e46153a8e4e552c5ca5322dcbc1920434ca96c5c4f"
        let bytes = AuditChain.canonicalSerialization(sequence: 2, previousHash: previousHash, event: self.chatEvent)
        let expected =
            "segura-gateway.audit.v2\nsequence=i2\nprevious_hash=s64:\(previousHash)\nrequest_id=s2:r2\ndelivery_id=n\n"
            + "caller=s5:slack\ndecision=s8:accepted\nticket=s5:CHG-7\naction=s6:enable\ntarget_kind=s10:credential\n"
            + "target_id=s2:42\noutcome=n\nupstream_status=n\nsegura_code=n\nerror_code=n\nattempts=i0\nlatency_ms=n\n"
            + "received_at=i2000\noccurred_at=i2000\nrequested_by=s9:ana.souza\nplatform=s5:slack\n"
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test("Either name alone makes a record v2, the other written as absent; an empty name counts")
    func eitherNameMakesVersion2() {
        func text(_ requestedBy: String?, _ platform: String?) -> String {
            var event = self.firstEvent
            event.requestedBy = requestedBy
            event.platform = platform
            return String(decoding: AuditChain.canonicalSerialization(sequence: 1, previousHash: "", event: event), as: UTF8.self)
        }
        #expect(text(nil, "teams").hasPrefix("segura-gateway.audit.v2\n"))
        #expect(text(nil, "teams").hasSuffix("\noccurred_at=i1000\nrequested_by=n\nplatform=s5:teams\n"))
        #expect(text("ana", nil).hasSuffix("\noccurred_at=i1000\nrequested_by=s3:ana\nplatform=n\n"))
        #expect(text("", nil).hasSuffix("\nrequested_by=s0:\nplatform=n\n"))
        #expect(text(nil, nil).hasPrefix("segura-gateway.audit.v1\n"))
        #expect(text(nil, nil).hasSuffix("\noccurred_at=i1000\n"))
    }

    @Test("Integers at the ends of their range serialize as their decimal text")
    func extremeIntegersSerializeAsDecimal() {
        var event = self.firstEvent
        event.upstreamStatus = Int.min
        event.latencyMilliseconds = Int.max
        event.attempts = 0
        let text = String(decoding: AuditChain.canonicalSerialization(sequence: 10, previousHash: "", event: event), as: UTF8.self)
        #expect(text.contains("\nsequence=i10\nprevious_hash=s0:\n"))
        #expect(text.contains("\nupstream_status=i\(Int.min)\n"))
        #expect(text.contains("\nlatency_ms=i\(Int.max)\n"))
        #expect(text.contains("\nattempts=i0\n"))
    }

    @Test("Hashes match values computed independently from the documentation (Python hashlib)")
    func hashesMatchKnownAnswers() {
        let first = AuditRecord(appending: self.firstEvent, after: .genesis)
        #expect(first.sequence == 1)
        #expect(first.previousHash == String(repeating: "0", count: 64))
        #expect(first.hash == "bf2adb4e3f75c39e39f460e46153a8e4e552c5ca5322dcbc1920434ca96c5c4f")

        let second = AuditRecord(appending: self.secondEvent, after: first.head)
        #expect(second.previousHash == first.hash)
        #expect(second.hash == "db46c0c4b9a3f1788b957eaccb2c39ecdb5073077dc54cd1d27ea2becf16f416")

        let chat = AuditRecord(appending: self.chatEvent, after: first.head)
        #expect(chat.hash == "e22e2e64d4f3f838fbf0a5c7c239b686e27fb5381cded263b6b7c74d377a1f3c")
    }

    @Test("An absent value and an empty string hash differently")
    func absentAndEmptyDiffer() {
        var withEmptyCaller = self.firstEvent
        withEmptyCaller.caller = ""
        #expect(
            AuditChain.hash(sequence: 1, previousHash: AuditChain.genesisHash, event: withEmptyCaller)
                != AuditChain.hash(sequence: 1, previousHash: AuditChain.genesisHash, event: self.firstEvent)
        )
    }

    @Test("Times are kept to the millisecond, rounded")
    func timesAreRoundedToMilliseconds() {
        var event = self.firstEvent
        event.occurredAt = Date(timeIntervalSince1970: 2.0006)
        #expect(event.occurredAt == Date(timeIntervalSince1970: 2.001))
    }

    // MARK: Verifier

    private func chain(_ count: Int) -> [AuditRecord] {
        var records: [AuditRecord] = []
        var head = AuditHead.genesis
        for number in 1...count {
            let record = AuditRecord(appending: Fixtures.event(number), after: head)
            records.append(record)
            head = record.head
        }
        return records
    }

    private func verify(
        _ records: [AuditRecord],
        after start: AuditHead = .genesis,
        anchor: AuditHead? = nil,
        head: AuditHead?
    ) -> AuditVerification {
        var verifier = AuditChainVerifier(after: start, anchor: anchor)
        for record in records {
            if let broken = verifier.check(record) { return broken }
        }
        return verifier.finish(head: head)
    }

    @Test("An untouched chain is intact")
    func untouchedChainIsIntact() {
        let records = self.chain(5)
        #expect(self.verify(records, head: records[4].head) == .intact(count: 5, lastHash: records[4].hash))
        #expect(self.verify([], head: .genesis) == .intact(count: 0, lastHash: AuditChain.genesisHash))
    }

    @Test("Verification can resume after a head verified earlier, as for an incremental export")
    func verificationResumes() {
        let records = self.chain(5)
        #expect(self.verify(Array(records[2...]), after: records[1].head, head: nil) == .intact(count: 3, lastHash: records[4].hash))
        #expect(self.verify(Array(records[3...]), after: records[1].head, head: nil) == .broken(atSequence: 3, reason: .sequenceGap))
    }

    @Test("An edited field is detected at its record")
    func editedRecordIsDetected() {
        var records = self.chain(5)
        records[2].event.outcome = .notApplied
        #expect(self.verify(records, head: records[4].head) == .broken(atSequence: 3, reason: .recordAltered))
    }

    @Test("A chain mixing v1 and v2 records verifies; changing or removing a name is detected at its record")
    func mixedVersionsVerify() {
        var records: [AuditRecord] = []
        var head = AuditHead.genesis
        for number in 1...4 {
            var event = Fixtures.event(number)
            if number.isMultiple(of: 2) {
                event.requestedBy = "person-\(number)"
                event.platform = "mattermost"
            }
            records.append(AuditRecord(appending: event, after: head))
            head = records[records.count - 1].head
        }
        #expect(self.verify(records, head: head) == .intact(count: 4, lastHash: head.hash))

        var renamed = records
        renamed[1].event.requestedBy = "someone-else"
        #expect(self.verify(renamed, head: head) == .broken(atSequence: 2, reason: .recordAltered))
        var unnamed = records
        unnamed[3].event.requestedBy = nil
        unnamed[3].event.platform = nil
        #expect(self.verify(unnamed, head: head) == .broken(atSequence: 4, reason: .recordAltered))
        var named = records
        named[0].event.platform = "slack"
        #expect(self.verify(named, head: head) == .broken(atSequence: 1, reason: .recordAltered))
    }

    @Test("A missing record is a gap")
    func missingRecordIsAGap() {
        var records = self.chain(5)
        records.remove(at: 2)
        #expect(self.verify(records, head: records[3].head) == .broken(atSequence: 3, reason: .sequenceGap))
    }

    @Test("A record edited with its hash recomputed breaks the next link")
    func rehashedRecordBreaksTheNextLink() {
        var records = self.chain(5)
        records[2].event.ticket = "CHG-forged"
        records[2].hash = AuditChain.hash(sequence: 3, previousHash: records[2].previousHash, event: records[2].event)
        #expect(self.verify(records, head: records[4].head) == .broken(atSequence: 4, reason: .linkBroken))
    }

    @Test("A chain ending before the head, or before the anchor, is reported")
    func truncationIsReported() {
        let records = self.chain(5)
        let truncated = Array(records.prefix(4))
        #expect(self.verify(truncated, head: records[4].head) == .broken(atSequence: 5, reason: .headMismatch))
        #expect(self.verify(truncated, anchor: records[4].head, head: nil) == .broken(atSequence: 5, reason: .anchorMismatch))
        #expect(self.verify(records, head: records[3].head) == .broken(atSequence: 5, reason: .headMismatch))
    }

    @Test("An anchor before the first record checked proves nothing and is not taken as a match")
    func anchorBeforeTheRecordsIsRefused() {
        let records = self.chain(5)
        let forgedStart = AuditHead(sequence: 0, hash: String(repeating: "ab", count: 32))
        #expect(self.verify(records, anchor: forgedStart, head: records[4].head) == .broken(atSequence: 0, reason: .anchorMismatch))
        let resumed = Array(records[2...])
        let forgedEarlier = AuditHead(sequence: 1, hash: String(repeating: "cd", count: 32))
        #expect(self.verify(resumed, after: records[1].head, anchor: forgedEarlier, head: nil) == .broken(atSequence: 1, reason: .anchorMismatch))
        #expect(self.verify(resumed, after: records[1].head, anchor: records[1].head, head: nil) == .intact(count: 3, lastHash: records[4].hash))
    }
}
