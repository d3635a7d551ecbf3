import CurlHTTPClient
import Foundation
import JSONReading

/// Who produced an upstream answer.
public enum UpstreamSource: String, Sendable, Codable {
    /// Segura itself: the body is its `{"code", "response", "exception"}` envelope.
    case segura
    /// The Kong proxy in front of Segura: a bare `{"message": ...}` body or one of Kong's error pages.
    case kong
    /// No HTTP answer at all: DNS, connect, TLS, timeout or reset.
    case transport
    /// An HTTP answer that is neither Segura's envelope nor a recognisable Kong error.
    case unknown
}

/// What the client understood of one HTTP answer from Segura or Kong.
///
/// Parsing is tolerant because the documented envelopes vary (segura-api.md §4.1): `message`,
/// `Message` or `mensagem`; a missing top-level `code`; an extra `tenant`; an `exception` block on
/// errors; and non-JSON or empty bodies from Kong. The numeric Segura code comes from
/// `exception.code` or else from the `NNNN:` prefix of the message, never from `error_code`, which
/// only ever holds 0 or 1.
struct UpstreamReply: Sendable {
    /// The HTTP status.
    var status: Int
    /// Who answered.
    var source: UpstreamSource
    /// Whether the body is a Segura envelope (has a `response` object).
    var isEnvelope: Bool
    /// The envelope's own error flag (`response.error` / `response.erro`), when present.
    var envelopeSaysError: Bool?
    /// The numbered Segura code, such as 1043.
    var seguraCode: Int?
    /// The human message, trimmed and shortened to 300 characters.
    var message: String?
    /// `Retry-After` in seconds, when the answer carries one.
    var retryAfter: Duration?
    /// ``message`` as the normalization table's message conditions compare it (``NormalizationRule/canonical(_:)``).
    let canonicalMessage: String?

    /// The longest upstream message kept; Segura's are far shorter, so longer text is noise or abuse.
    static let maxMessageLength = 300

    init(response: OutboundResponse) {
        self.status = response.status
        self.retryAfter = response.headers.first(named: "Retry-After").flatMap(Int.init).map { .seconds(max(0, $0)) }
        let body = ReplyBody(response.body)
        self.isEnvelope = body?.envelope != nil
        if let body, let envelope = body.envelope {
            self.source = .segura
            self.envelopeSaysError = envelope.error
            let message = body.exception?.message ?? envelope.message ?? envelope.mensagem
            self.message = message.map(Self.shortened)
            self.seguraCode = body.exception?.code ?? message.flatMap(Self.numberedPrefix)
        } else if let body, let message = body.message, body.keys.isSubset(of: ["message", "request_id"]) {
            // Kong's default error handler: exactly {"message": ...}, newer versions add "request_id".
            self.source = .kong
            self.message = Self.shortened(message)
        } else if let body, let error = body.oauthError {
            // An OAuth 2.0 error from the token endpoint: {"error": "invalid_client", "message": ...}.
            self.source = .segura
            self.message = Self.shortened(body.exactMessage ?? error)
        } else {
            let text = String(decoding: response.body.prefix(4096), as: UTF8.self)
            let lowercased = text.lowercased()
            let kongText = KongText.allCases.first { lowercased.contains($0.rawValue.lowercased()) }
            self.source = kongText == nil ? .unknown : .kong
            self.message = kongText?.rawValue ?? (text.isEmpty ? nil : Self.shortened(text))
        }
        if response.headers.first(named: "X-Kong-Response-Latency") != nil, !self.isEnvelope {
            self.source = .kong
        }
        self.canonicalMessage = self.message.map(NormalizationRule.canonical)
    }

    /// Kong's fixed error texts (Kong `error_handlers.lua`), recognised even in HTML or plain-text bodies.
    enum KongText: String, CaseIterable {
        case noRoute = "no Route matched with those values"
        case badGateway = "An invalid response was received from the upstream server"
        case unavailable = "The upstream server is currently unavailable"
        case timeout = "The upstream server is timing out"
        case requestTimeout = "Request timeout"
        case unexpected = "An unexpected error occurred"
    }

    private static func shortened(_ text: String) -> String {
        let trimmed = text.trimmingWhitespace()
        return trimmed.count > Self.maxMessageLength ? String(trimmed.prefix(Self.maxMessageLength)) + "…" : trimmed
    }

    /// `1043` from `"1043: Credential is already activated!"`.
    private static func numberedPrefix(_ message: String) -> Int? {
        guard let colon = message.utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let digits = message[..<colon].trimmingWhitespace()
        guard digits.utf8.count == 4, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(digits)
    }
}

/// The members of a JSON answer the client reads, read straight from the bytes with ``JSONReader``.
///
/// Names are matched ignoring case (`Message`, `message`), an exact match winning over one that differs only in
/// case. A member of an unexpected type counts as absent.
private struct ReplyBody {
    /// Segura's `response` object: the body is then an envelope.
    struct Envelope {
        var error: Bool?
        var message: String?
        var mensagem: String?
    }

    /// Segura's `exception` object on errors.
    struct Exception {
        var code: Int?
        var message: String?
    }

    var envelope: Envelope?
    var exception: Exception?
    /// `message`, whatever its case.
    var message: String?
    /// `message`, spelled exactly so (the OAuth error body's).
    var exactMessage: String?
    /// `error`, spelled exactly so, when it is a string: an OAuth 2.0 error.
    var oauthError: String?
    /// Every member name, lowercased.
    var keys: Set<String> = []

    /// `nil` when the body is not a JSON object.
    init?(_ bytes: [UInt8]) {
        var reader = JSONReader(bytes)
        var envelope = Member<Envelope>(), exception = Member<Exception>(), message = Member<String>()
        var keys: Set<String> = []
        var exactMessage: String?, oauthError: String?
        do {
            guard try reader.peek() == .object else { return nil }
            try reader.readObject { name, reader throws(JSONReader.SyntaxError) in
                let lowercased = name.lowercased()
                keys.insert(lowercased)
                let exact = name == lowercased
                switch lowercased {
                case "response":
                    envelope.offer(try Self.object(&reader) { fields in
                        Envelope(error: fields.flag("error") ?? fields.flag("erro"), message: fields.string("message"), mensagem: fields.string("mensagem"))
                    }, exact: exact)
                case "exception":
                    exception.offer(try Self.object(&reader) { fields in
                        Exception(code: fields.integer("code"), message: fields.string("message"))
                    }, exact: exact)
                case "message":
                    let value = try reader.peek() == .string ? try reader.readString() : nil
                    if value == nil { try reader.skipValue() }
                    message.offer(value, exact: exact)
                    if exact { exactMessage = value }
                case "error" where exact:
                    if try reader.peek() == .string { oauthError = try reader.readString() } else { try reader.skipValue() }
                default:
                    try reader.skipValue()
                }
            }
            try reader.finish()
        } catch {
            return nil
        }
        (self.envelope, self.exception, self.message) = (envelope.value, exception.value, message.value)
        (self.exactMessage, self.oauthError, self.keys) = (exactMessage, oauthError, keys)
    }

    /// Reads an object's scalar members into ``Fields`` and makes a value of them; `nil` for anything but an object.
    private static func object<T>(_ reader: inout JSONReader, _ make: (Fields) -> T) throws(JSONReader.SyntaxError) -> T? {
        guard try reader.peek() == .object else {
            try reader.skipValue()
            return nil
        }
        var fields = Fields()
        try reader.readObject { name, reader throws(JSONReader.SyntaxError) in
            let lowercased = name.lowercased()
            let value: Scalar?
            switch try reader.peek() {
            case .string: value = .string(try reader.readString())
            case .number: value = .number(try reader.readNumber().double)
            case .bool: value = .bool(try reader.readBool())
            default:
                try reader.skipValue()
                value = nil
            }
            fields.offer(value, name: lowercased, exact: name == lowercased)
        }
        return make(fields)
    }

    private enum Scalar {
        case string(String), number(Double), bool(Bool)
    }

    /// The scalar members of one object, by lowercased name; a handful, so a list searched in order.
    private struct Fields {
        private var members: [(name: String, member: Member<Scalar>)] = []

        mutating func offer(_ value: Scalar?, name: String, exact: Bool) {
            if let index = self.members.firstIndex(where: { $0.name == name }) {
                self.members[index].member.offer(value, exact: exact)
            } else {
                var member = Member<Scalar>()
                member.offer(value, exact: exact)
                self.members.append((name, member))
            }
        }

        private func value(_ name: String) -> Scalar? {
            self.members.first { $0.name == name }?.member.value
        }

        func string(_ name: String) -> String? {
            guard case .string(let text)? = self.value(name) else { return nil }
            return text
        }

        /// A whole number, or a string of one; a fractional number is truncated.
        func integer(_ name: String) -> Int? {
            switch self.value(name) {
            case .number(let value)? where value.isFinite && abs(value) < 1e15: Int(value)
            case .string(let text)?: Int(text)
            default: nil
            }
        }

        /// A boolean, a number (non-zero is true), or the strings `true` and `1`.
        func flag(_ name: String) -> Bool? {
            switch self.value(name) {
            case .bool(let value)?: value
            case .number(let value)?: value != 0
            case .string(let text)?: ["true", "1"].contains(text.lowercased())
            default: nil
            }
        }
    }

    /// A member found by name ignoring case: the exactly spelled one wins, otherwise the first.
    private struct Member<Value> {
        private(set) var value: Value?
        private var isExact = false
        private var isSet = false

        mutating func offer(_ value: Value?, exact: Bool) {
            guard exact || !self.isSet, !self.isExact else { return }
            (self.value, self.isExact, self.isSet) = (value, exact, true)
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing Unicode white space (spaces, tabs, line breaks), compared by scalar:
    /// the same set as Foundation's `whitespacesAndNewlines`, without its `CharacterSet` machinery.
    func trimmingWhitespace() -> String {
        let scalars = self.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(self[start..<scalars.index(after: last)])
    }
}
