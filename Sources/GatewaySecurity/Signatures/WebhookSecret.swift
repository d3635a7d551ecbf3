import Crypto
import Foundation

/// One active secret of a caller, already decoded the way its scheme needs.
///
/// A caller holds two or more during a rotation; ``CallerVerifier`` accepts a delivery signed with any of them.
/// The key never leaves this type in text form: ``description``, ``debugDescription`` and the mirror used by
/// `print`, `dump` and string interpolation all say `<redacted>`.
public struct WebhookSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The fewest key bytes accepted for any scheme.
    ///
    /// Standard Webhooks recommends 24 to 64 bytes; 16 is the floor below which an HMAC key or a bearer token
    /// is guessable. Slack signing secrets (32 hex characters) and GitHub's documented example pass.
    public static let minimumByteCount = 16

    /// The scheme this secret was decoded for; a verifier or signer refuses a secret of another scheme.
    public let scheme: SignatureScheme
    /// The HMAC key bytes (decoded from base64 for Standard Webhooks and Teams), or for
    /// ``SignatureScheme/staticToken`` the token's UTF-8 bytes.
    let key: SymmetricKey

    /// Decodes and checks a secret as the configuration gives it.
    ///
    /// - ``SignatureScheme/standardWebhooks``: `whsec_` followed by padded standard base64; the key is the
    ///   decoded bytes. The prefix is required, so a Stripe-style or raw secret pasted by mistake is refused.
    /// - ``SignatureScheme/hubSHA256`` and ``SignatureScheme/slackV0``: the string itself, as UTF-8, is the key.
    ///   Surrounding whitespace is refused: it is nearly always a newline left by a secrets file.
    /// - ``SignatureScheme/staticToken``: the token, visible ASCII only (it travels in a header).
    /// - ``SignatureScheme/teamsHMAC``: the security token as Teams shows it, canonical padded standard base64
    ///   (44 characters for 32 bytes); the key is the decoded bytes, as Microsoft's sample decodes it.
    ///   Surrounding whitespace is refused as for hub and Slack secrets, before the base64 check.
    ///
    /// Every scheme needs at least ``minimumByteCount`` key bytes.
    public init(_ text: String, scheme: SignatureScheme) throws(WebhookSecretError) {
        let bytes: [UInt8]
        switch scheme {
        case .standardWebhooks:
            let prefix = "whsec_"
            guard text.hasPrefix(prefix) else { throw .missingPrefix }
            guard let decoded = Base64.decodeCanonical(text.dropFirst(prefix.count)) else { throw .invalidBase64 }
            bytes = decoded
        case .hubSHA256, .slackV0:
            try Self.refuseSurroundingWhitespace(text)
            bytes = Array(text.utf8)
        case .staticToken:
            guard text.utf8.allSatisfy(HeaderRules.isVisibleASCII) else { throw .invalidCharacters }
            bytes = Array(text.utf8)
        case .teamsHMAC:
            try Self.refuseSurroundingWhitespace(text)
            guard let decoded = Base64.decodeCanonical(text) else { throw .invalidBase64 }
            bytes = decoded
        }
        guard bytes.count >= Self.minimumByteCount else { throw .tooShort }
        self.scheme = scheme
        self.key = SymmetricKey(data: bytes)
    }

    /// Surrounding whitespace is nearly always a newline left by a secrets file, never part of a secret.
    private static func refuseSurroundingWhitespace(_ text: String) throws(WebhookSecretError) {
        guard text.first?.isWhitespace != true, text.last?.isWhitespace != true else { throw .invalidCharacters }
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// The key bytes, for the signer; copies the secret, so callers keep the result short-lived.
    var keyBytes: [UInt8] { self.key.withUnsafeBytes { Array($0) } }
}

/// Why a configured secret was refused; the description never contains the secret.
public struct WebhookSecretError: Error, Hashable, CustomStringConvertible {
    private enum Code: String, Hashable {
        case missingPrefix = "missing_prefix"
        case invalidBase64 = "invalid_base64"
        case invalidCharacters = "invalid_characters"
        case tooShort = "too_short"
    }

    private let kind: Code

    private init(_ kind: Code) {
        self.kind = kind
    }

    /// A stable snake_case name for the failure, for configuration diagnostics.
    public var code: String { self.kind.rawValue }

    /// A short, fixed name for the failure kind, safe to use as a metric label (the same text as ``code``).
    public var shortDescription: String { self.kind.rawValue }

    public var description: String {
        switch self.kind {
        case .missingPrefix: "WebhookSecretError.missing_prefix: a Standard Webhooks secret must start with whsec_"
        case .invalidBase64: "WebhookSecretError.invalid_base64: the key (after whsec_, for Standard Webhooks) is not padded standard base64"
        case .invalidCharacters: "WebhookSecretError.invalid_characters: surrounding whitespace or a character the scheme does not allow"
        case .tooShort: "WebhookSecretError.too_short: the key has fewer than \(WebhookSecret.minimumByteCount) bytes"
        }
    }

    /// A Standard Webhooks secret lacks the `whsec_` prefix.
    public static let missingPrefix = Self(.missingPrefix)
    /// A Standard Webhooks secret after its prefix, or a Teams security token, is not canonical padded standard base64.
    public static let invalidBase64 = Self(.invalidBase64)
    /// A hub, Slack or Teams secret has surrounding whitespace, or a static token has a character outside visible ASCII.
    public static let invalidCharacters = Self(.invalidCharacters)
    /// The decoded key or token is shorter than ``WebhookSecret/minimumByteCount`` bytes.
    public static let tooShort = Self(.tooShort)
}
