import HTTPTypes

/// Standard Webhooks v1 (symmetric): headers, signed content and the `webhook-signature` list.
///
/// Svix's `svix-` header spellings are accepted as aliases of the `webhook-` ones.
enum StandardWebhooksFormat {
    static let idHeaders: [HTTPField.Name] = [.webhookID, .svixID]
    static let timestampHeaders: [HTTPField.Name] = [.webhookTimestamp, .svixTimestamp]
    static let signatureHeaders: [HTTPField.Name] = [.webhookSignature, .svixSignature]

    /// The most space-separated entries read from one header; a rotation needs two or three.
    static let maximumEntryCount = 32

    private static let version = "v1"

    /// The signed content `{id}.{timestamp}.{raw body}`, with the id and timestamp as sent.
    static func message(id: String, timestamp: String, body: [UInt8]) -> SignedMessage {
        SignedMessage(prefix: Array("\(id).\(timestamp).".utf8), body: body)
    }

    /// The `v1` MACs of a `webhook-signature` value.
    ///
    /// The value is a space-separated list of `version,base64` entries. Entries of other versions (such as
    /// the asymmetric `v1a`) are skipped, as the spec asks. A list with no entry, an entry without a comma, or
    /// a `v1` entry that is not canonical base64 of exactly 32 bytes makes the whole header malformed: a
    /// correct sender never produces one, so it is refused rather than guessed at.
    ///
    /// - Returns: the decoded `v1` MACs; empty when only other versions were sent.
    static func signatures(in value: String) throws(SignatureError) -> [[UInt8]] {
        // Split on the bytes: splitting a `String` walks grapheme clusters, which is most of this function's cost.
        let entries = value.utf8.split(separator: UInt8(ascii: " ")).map(Substring.init)
        guard (1...Self.maximumEntryCount).contains(entries.count) else { throw .malformedSignature }
        var codes: [[UInt8]] = []
        for entry in entries {
            guard let comma = entry.firstIndex(of: ",") else { throw .malformedSignature }
            guard entry[..<comma] == Self.version else { continue }
            guard let code = Base64.decodeCanonical(entry[entry.index(after: comma)...]),
                code.count == MessageAuthenticator.codeByteCount
            else { throw .malformedSignature }
            codes.append(code)
        }
        return codes
    }

    /// One `v1,<base64>` entry for a MAC.
    static func render(_ code: [UInt8]) -> String {
        "\(Self.version),\(Base64.encode(code))"
    }
}
