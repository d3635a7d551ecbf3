import Crypto
import Foundation

/// What a MAC covers: a scheme-specific prefix, then the exact raw body bytes.
///
/// The two parts are fed to HMAC one after the other, so the body is never copied to build the message.
struct SignedMessage {
    /// The scheme's framing, e.g. `{id}.{timestamp}.` or `v0:{timestamp}:`; empty for body-only schemes.
    var prefix: [UInt8]
    /// The request body exactly as received.
    var body: [UInt8]
}

/// The one place the gateway computes and compares HMAC-SHA256 codes; every scheme goes through it.
///
/// Comparisons use swift-crypto's MAC equality, which is a constant-time compare (`CRYPTO_memcmp`) and is
/// only reached with candidates of the MAC's own length (32 bytes), so no timing depends on secret bytes.
struct MessageAuthenticator: Sendable, CustomReflectable {
    /// The length of an HMAC-SHA256 code; a candidate of any other length is malformed, not merely wrong.
    static let codeByteCount = SHA256.byteCount

    /// One HMAC per key with the key already absorbed (its padded blocks hashed): each request copies one and
    /// feeds it the message, instead of processing the key again.
    private let keyed: [HMAC<SHA256>]

    /// - Precondition: at least one key.
    init(keys: [SymmetricKey]) {
        precondition(!keys.isEmpty, "a MessageAuthenticator needs at least one key")
        self.keyed = keys.map { HMAC<SHA256>(key: $0) }
    }

    /// HMAC-SHA256 of `message` under `key`, as bytes for encoding.
    static func code(for message: SignedMessage, key: SymmetricKey) -> [UInt8] {
        Array(Self.authenticationCode(for: message, keyed: HMAC<SHA256>(key: key)))
    }

    /// The candidate that equals the MAC of `message` under any key, or `nil`.
    ///
    /// Every key is tried against every candidate, with no early exit, so the time taken says nothing about
    /// which secret or which candidate matched, only how many of each there are (which is not secret).
    func matchingCandidate(among candidates: [[UInt8]], for message: SignedMessage) -> [UInt8]? {
        var match: [UInt8]?
        for keyed in self.keyed {
            let code = Self.authenticationCode(for: message, keyed: keyed)
            for candidate in candidates where candidate.count == Self.codeByteCount && code == candidate {
                match = candidate
            }
        }
        return match
    }

    /// swift-crypto's MAC value, whose `==` against bytes is the constant-time compare.
    private static func authenticationCode(for message: SignedMessage, keyed: HMAC<SHA256>) -> HMAC<SHA256>.MAC {
        var hmac = keyed
        hmac.update(data: message.prefix)
        hmac.update(data: message.body)
        return hmac.finalize()
    }

    /// Hides the keys from `print`, `dump` and string interpolation.
    var customMirror: Mirror { Mirror(self, children: ["keys": "<redacted>"], displayStyle: .struct) }
}
