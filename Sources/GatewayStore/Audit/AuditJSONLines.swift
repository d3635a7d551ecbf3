import GatewayVocabulary


/// Audit records as JSON Lines: one JSON object per record, the form SIEMs ingest (`audit export --format jsonl`).
///
/// The line format is a public contract. Every line has the same 21 keys, in this order, and none is ever
/// omitted: a value the record does not have is `null`. Later versions may add keys, never remove or retype one.
///
/// | key | JSON type | value |
/// | --- | --- | --- |
/// | `sequence` | number | the record's position in the chain: 1, 2, 3… |
/// | `hash` | string | the record's hash, 64 lowercase hex digits (see ``AuditChain``) |
/// | `previous_hash` | string | the hash of the record before; 64 zeros for the first |
/// | `request_id` | string | the gateway's request id (`X-Request-Id`) |
/// | `delivery_id` | string or null | the sender's delivery id |
/// | `caller` | string or null | the verified caller; `null` when the request could not be attributed |
/// | `decision` | string | ``AuditDecision``: `accepted`, `applied`, `rejected_signature`… |
/// | `ticket` | string or null | the ticket that justified the request |
/// | `action` | string or null | `enable` or `disable` |
/// | `target_kind` | string or null | `credential`, `password`, `device` or `ssh_key` |
/// | `target_id` | string or null | the Segura object's id, as text, exactly as it was hashed |
/// | `outcome` | string or null | `applied`, `already_in_state`, `not_applied` or `unknown` |
/// | `upstream_status` | number or null | the HTTP status Segura (or Kong) answered |
/// | `segura_code` | number or null | Segura's numbered code, e.g. 1043 |
/// | `error_code` | string or null | the gateway's error code, e.g. `target_not_found` |
/// | `attempts` | number | upstream attempts made |
/// | `latency_ms` | number or null | time spent answering, in whole milliseconds |
/// | `received_at` | string | when the request arrived, as an ``AuditTimestamp`` |
/// | `occurred_at` | string | when the decision was made, as an ``AuditTimestamp``; what `--since` filters on |
/// | `requested_by` | string or null | the person who asked, as the caller's user mapping named them (chat callers) |
/// | `platform` | string or null | the chat platform the decision came through: `slack`, `teams`, `mattermost` |
///
/// ```json
/// {"sequence":2,"hash":"6f0c…","previous_hash":"3b5d…","request_id":"req_7f3a","delivery_id":"msg_2b1","caller":"servicenow","decision":"applied","ticket":"CHG0012345","action":"enable","target_kind":"credential","target_id":"42","outcome":"applied","upstream_status":200,"segura_code":null,"error_code":null,"attempts":1,"latency_ms":38,"received_at":"2027-01-15T08:00:00.120Z","occurred_at":"2027-01-15T08:00:00.158Z","requested_by":null,"platform":null}
/// ```
///
/// **Why every hashed field, and times to the millisecond:** a line holds exactly what ``AuditChain`` hashes,
/// so a consumer can recompute `hash`, check `previous_hash` against the line before, and so verify an export
/// on its own, without the store: a line whose `requested_by` and `platform` are both `null` is hashed as a
/// `v1` record, any other as `v2`. Strings are written as they are stored (UTF-8, only `"`, `\` and control
/// characters escaped), so they hash the same on both sides.
public enum AuditJSONLines {
    /// One record as a JSON object, without the newline that ends its line.
    public static func line(for record: AuditRecord) -> String {
        String(decoding: Self.object(for: record), as: UTF8.self)
    }

    /// `record` as the UTF-8 bytes of a JSON object, in the documented key order, without a newline.
    static func object(for record: AuditRecord) -> [UInt8] {
        let event = record.event
        var object = JSONObjectWriter()
        object.field("sequence", record.sequence)
        object.field("hash", record.hash)
        object.field("previous_hash", record.previousHash)
        object.field("request_id", event.requestID)
        object.field("delivery_id", event.deliveryID)
        object.field("caller", event.caller)
        object.field("decision", event.decision.rawValue)
        object.field("ticket", event.ticket)
        object.field("action", event.action?.rawValue)
        object.field("target_kind", event.targetKind?.rawValue)
        object.field("target_id", event.targetID)
        object.field("outcome", event.outcome?.rawValue)
        object.field("upstream_status", event.upstreamStatus)
        object.field("segura_code", event.seguraCode)
        object.field("error_code", event.errorCode?.rawValue)
        object.field("attempts", event.attempts)
        object.field("latency_ms", event.latencyMilliseconds)
        object.field("received_at", AuditTimestamp.string(from: event.receivedAt))
        object.field("occurred_at", AuditTimestamp.string(from: event.occurredAt))
        object.field("requested_by", event.requestedBy)
        object.field("platform", event.platform)
        return object.finish()
    }
}

/// Writes one flat JSON object of strings, integers and nulls, member by member, into a byte buffer.
private struct JSONObjectWriter {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var isFirstMember = true

    /// Closes the object and returns its bytes.
    consuming func finish() -> [UInt8] {
        self.bytes.append(UInt8(ascii: "}"))
        return self.bytes
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        self.key(name)
        guard let value else { return self.null() }
        self.string(value)
    }

    mutating func field(_ name: StaticString, _ value: Int?) {
        self.key(name)
        guard let value else { return self.null() }
        self.bytes.append(contentsOf: String(value).utf8)
    }

    private mutating func key(_ name: StaticString) {
        if !self.isFirstMember { self.bytes.append(UInt8(ascii: ",")) }
        self.isFirstMember = false
        self.bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { self.bytes.append(contentsOf: $0) }
        self.bytes.append(contentsOf: "\":".utf8)
    }

    private mutating func null() {
        self.bytes.append(contentsOf: "null".utf8)
    }

    /// A JSON string per RFC 8259: `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`, every
    /// other byte (UTF-8 included) copied unchanged.
    private mutating func string(_ value: String) {
        self.bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): self.bytes.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): self.bytes.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\n"): self.bytes.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\r"): self.bytes.append(contentsOf: "\\r".utf8)
            case UInt8(ascii: "\t"): self.bytes.append(contentsOf: "\\t".utf8)
            case 0x08: self.bytes.append(contentsOf: "\\b".utf8)
            case 0x0C: self.bytes.append(contentsOf: "\\f".utf8)
            case ..<0x20:
                self.bytes.append(contentsOf: "\\u00".utf8)
                self.bytes.append(LowercaseHex.digits[Int(byte >> 4)])
                self.bytes.append(LowercaseHex.digits[Int(byte & 0x0F)])
            default: self.bytes.append(byte)
            }
        }
        self.bytes.append(UInt8(ascii: "\""))
    }
}
