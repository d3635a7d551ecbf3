import Crypto

/// The fingerprint of a delivery's payload, for idempotency: the same delivery id with another
/// fingerprint is a different request (the Idempotency-Key draft's "fingerprint").
public enum PayloadFingerprint {
    /// Lowercase hex SHA-256 of the raw body bytes, as received.
    public static func of(_ body: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: body))
    }
}
