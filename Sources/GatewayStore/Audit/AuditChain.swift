import Crypto
import GatewayVocabulary

/// The hash that links audit records, defined precisely enough to re-implement in any language.
///
/// `hash` = lowercase hex of SHA-256 over the UTF-8 bytes of the **canonical serialization**, in one of two
/// versions. A record whose ``AuditEvent/requestedBy`` and ``AuditEvent/platform`` are both absent is serialized
/// as `v1`, exactly as every record written before those fields existed, so old records keep their hashes; a
/// record with either of them is serialized as `v2`: the same lines, in the same order, under its own version
/// line, followed by two more.
///
/// ```text
/// segura-gateway.audit.v1\n        (v2: segura-gateway.audit.v2\n)
/// sequence=<int>\n
/// previous_hash=<str>\n
/// request_id=<str>\n
/// delivery_id=<str>\n
/// caller=<str>\n
/// decision=<str>\n
/// ticket=<str>\n
/// action=<str>\n
/// target_kind=<str>\n
/// target_id=<str>\n
/// outcome=<str>\n
/// upstream_status=<int>\n
/// segura_code=<int>\n
/// error_code=<str>\n
/// attempts=<int>\n
/// latency_ms=<int>\n
/// received_at=<int>\n
/// occurred_at=<int>\n
/// requested_by=<str>\n             (v2 only)
/// platform=<str>\n                 (v2 only)
/// ```
///
/// - Every field of the version appears, in this order, each line ending in `\n` (0x0A), including the last.
/// - `<int>` is `i` followed by the decimal value (`i1043`, `i-1`); times are milliseconds since
///   1970-01-01T00:00:00Z.
/// - `<str>` is `s`, the value's length in UTF-8 bytes in decimal, `:`, then the bytes unchanged (`s4:jira`).
///   The length prefix makes the encoding unambiguous whatever the value contains (newlines, `=`).
/// - An absent optional value is the single letter `n`, so `nil` and the empty string (`s0:`) differ. In `v2`
///   one of `requested_by` and `platform` may be absent (`n`), never both: that record is `v1`. An empty string
///   is present, so a record whose `requested_by` is `""` is `v2`.
///
/// For example the first record of a trail, with request id `r1`, no caller, decision `rejected_signature`,
/// 0 attempts and both times at 1 000 ms, serializes as
/// `segura-gateway.audit.v1\nsequence=i1\nprevious_hash=s64:000…0\nrequest_id=s2:r1\ndelivery_id=n\ncaller=n\n`
/// `decision=s18:rejected_signature\nticket=n\n…\nattempts=i0\nlatency_ms=n\nreceived_at=i1000\noccurred_at=i1000\n`
/// and hashes to `bf2adb4e3f75c39e39f460e46153a8e4e552c5ca5322dcbc1920434ca96c5c4f`. The record after it, caller
/// `slack` accepting request `r2` (ticket `CHG-7`, enable credential `42`) that `ana.souza` asked for on Slack,
/// both times at 2 000 ms, serializes as
/// `segura-gateway.audit.v2\nsequence=i2\nprevious_hash=s64:bf2adb4e…5c4f\nrequest_id=s2:r2\ndelivery_id=n\n`
/// `caller=s5:slack\ndecision=s8:accepted\nticket=s5:CHG-7\naction=s6:enable\ntarget_kind=s10:credential\n`
/// `target_id=s2:42\noutcome=n\nupstream_status=n\nsegura_code=n\nerror_code=n\nattempts=i0\nlatency_ms=n\n`
/// `received_at=i2000\noccurred_at=i2000\nrequested_by=s9:ana.souza\nplatform=s5:slack\n`
/// and hashes to `e22e2e64d4f3f838fbf0a5c7c239b686e27fb5381cded263b6b7c74d377a1f3c`.
///
/// A new version line is introduced whenever the serialization changes, and the older versions stay as they
/// are, so every record ever written stays verifiable.
public enum AuditChain {
    /// The `previousHash` of the first record: 64 zeros.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The first line of a record without a person or a platform: the original serialization.
    static let version1Line = "segura-gateway.audit.v1"
    /// The first line of a record naming the person who asked or the platform, which `v1` has no lines for.
    static let version2Line = "segura-gateway.audit.v2"

    /// The hash of a record at `sequence` following `previousHash`, lowercase hex.
    ///
    /// Computed for every record on the store's single writer thread, so it builds its bytes and its hex
    /// without intermediate strings (the string-interpolating version was a tenth of the writer's time).
    public static func hash(sequence: Int, previousHash: String, event: AuditEvent) -> String {
        let digest = SHA256.hash(data: Self.canonicalSerialization(sequence: sequence, previousHash: previousHash, event: event))
        return digest.withUnsafeBytes(LowercaseHex.string)
    }

    /// The bytes that are hashed, as documented on ``AuditChain``.
    public static func canonicalSerialization(sequence: Int, previousHash: String, event: AuditEvent) -> [UInt8] {
        let namesRequester = event.requestedBy != nil || event.platform != nil
        var writer = CanonicalWriter()
        writer.line(namesRequester ? Self.version2Line : Self.version1Line)
        writer.field("sequence", sequence)
        writer.field("previous_hash", previousHash)
        writer.field("request_id", event.requestID)
        writer.field("delivery_id", event.deliveryID)
        writer.field("caller", event.caller)
        writer.field("decision", event.decision.rawValue)
        writer.field("ticket", event.ticket)
        writer.field("action", event.action?.rawValue)
        writer.field("target_kind", event.targetKind?.rawValue)
        writer.field("target_id", event.targetID)
        writer.field("outcome", event.outcome?.rawValue)
        writer.field("upstream_status", event.upstreamStatus)
        writer.field("segura_code", event.seguraCode)
        writer.field("error_code", event.errorCode?.rawValue)
        writer.field("attempts", event.attempts)
        writer.field("latency_ms", event.latencyMilliseconds)
        writer.field("received_at", event.receivedAt.millisecondsSince1970)
        writer.field("occurred_at", event.occurredAt.millisecondsSince1970)
        if namesRequester {
            writer.field("requested_by", event.requestedBy)
            writer.field("platform", event.platform)
        }
        return writer.bytes
    }
}

/// Appends `name=value\n` lines in the encoding documented on ``AuditChain``, byte by byte.
private struct CanonicalWriter {
    private(set) var bytes: [UInt8] = []

    init() {
        // A record is about 400 bytes: up to 21 names, two 64-character hashes, ids and short values.
        self.bytes.reserveCapacity(512)
    }

    mutating func line(_ text: String) {
        self.utf8(text)
        self.bytes.append(UInt8(ascii: "\n"))
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        self.name(name)
        guard let value else { return self.absent() }
        self.bytes.append(UInt8(ascii: "s"))
        self.decimal(value.utf8.count)
        self.bytes.append(UInt8(ascii: ":"))
        self.utf8(value)
        self.bytes.append(UInt8(ascii: "\n"))
    }

    mutating func field(_ name: StaticString, _ value: Int?) {
        self.field(name, value.map(Int64.init))
    }

    mutating func field(_ name: StaticString, _ value: Int64?) {
        self.name(name)
        guard let value else { return self.absent() }
        self.bytes.append(UInt8(ascii: "i"))
        self.decimal(value)
        self.bytes.append(UInt8(ascii: "\n"))
    }

    /// A string's UTF-8 bytes, copied from its contiguous storage when it has one (native strings do).
    private mutating func utf8(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ self.bytes.append(contentsOf: $0) }) == nil {
            self.bytes.append(contentsOf: text.utf8)
        }
    }

    private mutating func name(_ name: StaticString) {
        name.withUTF8Buffer { self.bytes.append(contentsOf: $0) }
        self.bytes.append(UInt8(ascii: "="))
    }

    /// `n`: an absent optional value.
    private mutating func absent() {
        self.bytes.append(UInt8(ascii: "n"))
        self.bytes.append(UInt8(ascii: "\n"))
    }

    /// `value` in decimal ASCII, with a leading `-` when negative (as `String(value)` writes it): the digits are
    /// counted first and written in place from the last, so nothing is moved afterwards.
    private mutating func decimal(_ value: some FixedWidthInteger) {
        if value < 0 { self.bytes.append(UInt8(ascii: "-")) }
        var magnitude = UInt64(value.magnitude)
        var count = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        let start = self.bytes.count
        self.bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        var index = start + count - 1
        while magnitude > 0 {
            self.bytes[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            index -= 1
        }
    }
}
