import Crypto
import Foundation

/// The gateway's own signature on a decision button it posts where the platform does not sign clicks (Mattermost's
/// interactive buttons send their `context` back as given, unsigned).
///
/// The button's `context` carries the approval id, the decision, the channel it was posted to and an expiry, and an
/// HMAC-SHA256 over exactly those, under a key only the gateway holds:
///
/// ```text
/// HMAC(key, "segura-gateway.button.v1\n" + approval + "\n" + decision + "\n" + channel + "\n" + expiry_unix_seconds)
/// ```
///
/// A click whose fields were changed (another approval, the other decision, another channel) or whose button has
/// expired fails; a replayed click carries a valid context but its approval is already decided, which the approval's
/// state answers. The key is configured (`button_secret`) and shared by the replicas; a key derived from anything
/// public would let anyone sign.
public struct ButtonContext: Sendable, CustomReflectable {
    /// What a button asks for.
    public struct Fields: Sendable, Hashable {
        public var approvalID: String
        public var decision: String
        public var channelID: String
        public var expiresAt: Date

        /// Creates the fields; `expiresAt` is kept to the second.
        public init(approvalID: String, decision: String, channelID: String, expiresAt: Date) {
            self.approvalID = approvalID
            self.decision = decision
            self.channelID = channelID
            self.expiresAt = Date(timeIntervalSince1970: expiresAt.timeIntervalSince1970.rounded(.down))
        }
    }

    private let authenticator: MessageAuthenticator
    private let key: SymmetricKey

    /// - Parameter key: at least 32 bytes, from `segura-gateway`'s configuration (`button_secret`), the same on every
    ///   replica and across restarts so buttons already posted keep verifying.
    public init(key: SymmetricKey) {
        self.key = key
        self.authenticator = MessageAuthenticator(keys: [key])
    }

    /// A key configured as text: its UTF-8 bytes, at least 32 of them (the MAC's own length); `nil` when shorter.
    public init?(secret: String) {
        guard secret.utf8.count >= 32 else { return nil }
        self.init(key: SymmetricKey(data: Array(secret.utf8)))
    }

    /// The signature to put in the button's context: padded standard base64 of the MAC.
    public func signature(for fields: Fields) -> String {
        Base64.encode(MessageAuthenticator.code(for: Self.message(fields), key: self.key))
    }

    /// Checks a clicked button's context at `now`.
    ///
    /// - Throws: ``SignatureError/malformedSignature`` for a signature that is not a MAC's base64,
    ///   ``SignatureError/signatureMismatch`` when any field differs from what was signed, and
    ///   ``SignatureError/staleTimestamp`` for an expired button.
    public func verify(_ fields: Fields, signature: String, now: Date) throws(SignatureError) {
        guard let candidate = Base64.decodeCanonical(signature), candidate.count == MessageAuthenticator.codeByteCount else {
            throw .malformedSignature
        }
        guard self.authenticator.matchingCandidate(among: [candidate], for: Self.message(fields)) != nil else { throw .signatureMismatch }
        guard now < fields.expiresAt else { throw .staleTimestamp }
    }

    /// The signed text: one field per line, so no field's content can move into another.
    private static func message(_ fields: Fields) -> SignedMessage {
        let lines = ["segura-gateway.button.v1", fields.approvalID, fields.decision, fields.channelID, String(Int64(fields.expiresAt.timeIntervalSince1970))]
        return SignedMessage(prefix: [], body: Array(lines.joined(separator: "\n").utf8))
    }

    /// Hides the key from `print`, `dump` and string interpolation.
    public var customMirror: Mirror { Mirror(self, children: ["key": "<redacted>"], displayStyle: .struct) }
}
