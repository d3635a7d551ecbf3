import Foundation
import HTTPTypes

extension CallerVerifier {
    /// The longest idempotency key accepted, in characters; UUIDs and ticket ids fit easily.
    public static let maximumIdempotencyKeyLength = 256

    /// The client's `Idempotency-Key`, unquoted, for callers of any scheme that send one.
    ///
    /// Per draft-ietf-httpapi-idempotency-key-header the field is an RFC 8941 Item whose value is an sf-string,
    /// e.g. `Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"`, sent once. This accepts exactly that:
    /// one field line holding one sf-string of 1 to ``maximumIdempotencyKeyLength`` characters (escapes `\"` and
    /// `\\` allowed). Parameters (`;a=1`), bare tokens, lists and empty strings are refused: the draft defines
    /// none of them, and a lenient parse would let two spellings name one key.
    ///
    /// The key is not signed by any scheme; scope it to the caller before using it as a cache key.
    ///
    /// - Returns: the key, or `nil` when the header is absent.
    /// - Throws: ``SignatureError/duplicateHeader`` when sent twice, ``SignatureError/malformedIdempotencyKey``
    ///   when not a single valid sf-string.
    public static func idempotencyKey(from headerFields: HTTPFields) throws(SignatureError) -> String? {
        guard let value = try HeaderRules.singleValue(of: [.idempotencyKey], in: headerFields) else { return nil }
        guard let key = Self.unquoteStructuredFieldString(value),
            (1...Self.maximumIdempotencyKeyLength).contains(key.count)
        else { throw .malformedIdempotencyKey }
        return key
    }

    /// `key` as an RFC 8941 sf-string, escaping `"` and `\`, for the signer.
    static func quotedIdempotencyKey(_ key: String) -> String {
        "\"" + key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Parses an RFC 8941 §4.2.5 sf-string that makes up the whole field value (surrounding spaces aside).
    ///
    /// - Returns: the unescaped content, or `nil` if the value is anything else.
    private static func unquoteStructuredFieldString(_ value: String) -> String? {
        var characters = value.utf8.drop { $0 == UInt8(ascii: " ") }[...]
        while characters.last == UInt8(ascii: " ") { characters.removeLast() }
        guard characters.popFirst() == UInt8(ascii: "\"") else { return nil }
        var content: [UInt8] = []
        while let character = characters.popFirst() {
            switch character {
            case UInt8(ascii: "\\"):
                guard let escaped = characters.popFirst(), escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\")
                else { return nil }
                content.append(escaped)
            case UInt8(ascii: "\""):
                return characters.isEmpty ? String(decoding: content, as: UTF8.self) : nil
            case 0x20...0x7E:
                content.append(character)
            default:
                return nil
            }
        }
        return nil  // no closing quote
    }
}
