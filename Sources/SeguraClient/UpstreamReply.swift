import CurlHTTPClient
import Foundation

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

    /// The longest upstream message kept; Segura's are far shorter, so longer text is noise or abuse.
    static let maxMessageLength = 300

    init(response: OutboundResponse) {
        self.status = response.status
        self.retryAfter = response.headers.first(named: "Retry-After").flatMap(Int.init).map { .seconds(max(0, $0)) }
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        let envelope = object.flatMap { $0.valueIgnoringCase(forKey: "response") as? [String: Any] }
        self.isEnvelope = envelope != nil
        if let envelope {
            self.source = .segura
            self.envelopeSaysError = (envelope.valueIgnoringCase(forKey: "error") ?? envelope.valueIgnoringCase(forKey: "erro")).flatMap(Self.bool)
            let exception = object?.valueIgnoringCase(forKey: "exception") as? [String: Any]
            let message = Self.string(exception?.valueIgnoringCase(forKey: "message"))
                ?? Self.string(envelope.valueIgnoringCase(forKey: "message"))
                ?? Self.string(envelope.valueIgnoringCase(forKey: "mensagem"))
            self.message = message.map(Self.shortened)
            self.seguraCode = exception.flatMap { Self.int($0.valueIgnoringCase(forKey: "code")) } ?? message.flatMap(Self.numberedPrefix)
        } else if let object, let message = Self.string(object.valueIgnoringCase(forKey: "message")),
            Set(object.keys.map { $0.lowercased() }).isSubset(of: ["message", "request_id"])
        {
            // Kong's default error handler: exactly {"message": ...}, newer versions add "request_id".
            self.source = .kong
            self.message = Self.shortened(message)
        } else if let error = object.flatMap({ Self.string($0["error"]) }) {
            // An OAuth 2.0 error from the token endpoint: {"error": "invalid_client", "message": ...}.
            self.source = .segura
            self.message = Self.shortened(object.flatMap { Self.string($0["message"]) } ?? error)
        } else {
            let text = String(decoding: response.body.prefix(4096), as: UTF8.self)
            let kongText = KongText.allCases.first { text.range(of: $0.rawValue, options: .caseInsensitive) != nil }
            self.source = kongText == nil ? .unknown : .kong
            self.message = kongText?.rawValue ?? (text.isEmpty ? nil : Self.shortened(text))
        }
        if response.headers.first(named: "X-Kong-Response-Latency") != nil, !self.isEnvelope {
            self.source = .kong
        }
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
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count > Self.maxMessageLength ? String(trimmed.prefix(Self.maxMessageLength)) + "…" : trimmed
    }

    /// `1043` from `"1043: Credential is already activated!"`.
    private static func numberedPrefix(_ message: String) -> Int? {
        guard let colon = message.firstIndex(of: ":") else { return nil }
        let digits = message[..<colon].trimmingCharacters(in: .whitespaces)
        return digits.count == 4 ? Int(digits) : nil
    }

    private static func string(_ value: Any?) -> String? {
        value as? String
    }

    private static func int(_ value: Any?) -> Int? {
        switch value {
        case let number as NSNumber: return number.intValue
        case let string as String: return Int(string)
        default: return nil
        }
    }

    private static func bool(_ value: Any) -> Bool? {
        switch value {
        case let number as NSNumber: return number.boolValue
        case let string as String: return ["true", "1"].contains(string.lowercased())
        default: return nil
        }
    }
}

extension Dictionary where Key == String, Value == Any {
    /// Looks a key up exactly first, then ignoring case (`Message` versus `message`).
    fileprivate func valueIgnoringCase(forKey key: String) -> Any? {
        if let value = self[key] { return value }
        return self.first { $0.key.lowercased() == key }?.value
    }
}
