/// Why a webhook's signature, token or delivery headers were refused.
///
/// Modelled on async-http-client's `HTTPClientError`: a struct wrapping a private code, so new failure kinds
/// can be added without breaking callers. The ``description`` is a fixed text per kind: it never contains a
/// MAC, a secret, a header value, or a hint of which secret came close, so it is safe in responses and logs.
public struct SignatureError: Error, Hashable, CustomStringConvertible {
    private enum Code: String, Hashable {
        case missingSignature = "missing_signature"
        case duplicateHeader = "duplicate_header"
        case malformedSignature = "malformed_signature"
        case malformedTimestamp = "malformed_timestamp"
        case malformedDeliveryID = "malformed_delivery_id"
        case malformedIdempotencyKey = "malformed_idempotency_key"
        case staleTimestamp = "stale_timestamp"
        case futureTimestamp = "future_timestamp"
        case signatureMismatch = "signature_mismatch"
    }

    private let kind: Code

    private init(_ kind: Code) {
        self.kind = kind
    }

    /// A stable snake_case name for the failure, for API error bodies (`problem+json` extensions) and logs.
    public var code: String { self.kind.rawValue }

    /// A short, fixed name for the failure kind, safe to use as a metric label (the same text as ``code``).
    public var shortDescription: String { self.kind.rawValue }

    /// The HTTP status the gateway answers with: 401 for anything that fails authentication, 400 when the
    /// request itself is malformed (a non-integer timestamp, per the webhook reference, or a bad `Idempotency-Key`).
    ///
    /// Never 500: a sender must not retry a forged or misconfigured request.
    public var httpStatus: Int {
        switch self.kind {
        case .malformedTimestamp, .malformedIdempotencyKey: 400
        default: 401
        }
    }

    public var description: String { "SignatureError.\(self.kind.rawValue): \(self.explanation)" }

    private var explanation: String {
        switch self.kind {
        case .missingSignature: "a header the signature scheme requires is absent"
        case .duplicateHeader: "a signature, timestamp or delivery header appears more than once"
        case .malformedSignature: "the signature or token header cannot be parsed"
        case .malformedTimestamp: "the timestamp is not an integer number of Unix seconds"
        case .malformedDeliveryID: "the delivery id is empty, too long, or has characters it may not have"
        case .malformedIdempotencyKey: "Idempotency-Key is not a single non-empty RFC 8941 string"
        case .staleTimestamp: "the timestamp is older than the allowed tolerance"
        case .futureTimestamp: "the timestamp is further in the future than the allowed tolerance"
        case .signatureMismatch: "no signature or token matched an active secret"
        }
    }

    /// A header the scheme needs (signature, token, timestamp or Standard Webhooks id) is absent.
    public static let missingSignature = Self(.missingSignature)
    /// A signature, token, timestamp or delivery-id header was sent more than once, or under two alias
    /// names with different values, so it is ambiguous which one was signed or should be deduplicated.
    public static let duplicateHeader = Self(.duplicateHeader)
    /// The signature or token header does not have the scheme's syntax (prefix, hex, base64, length).
    public static let malformedSignature = Self(.malformedSignature)
    /// The timestamp header is not a plain non-negative integer of seconds; answered with 400.
    public static let malformedTimestamp = Self(.malformedTimestamp)
    /// The delivery id is empty, over 256 bytes, outside visible ASCII, or (Standard Webhooks) contains `.`.
    public static let malformedDeliveryID = Self(.malformedDeliveryID)
    /// `Idempotency-Key` is not one RFC 8941 sf-string of 1 to 256 characters; answered with 400.
    public static let malformedIdempotencyKey = Self(.malformedIdempotencyKey)
    /// The signed timestamp is older than the tolerance: a late delivery or a replay.
    public static let staleTimestamp = Self(.staleTimestamp)
    /// The signed timestamp is ahead of now by more than the tolerance: clock skew or a pre-signed replay.
    public static let futureTimestamp = Self(.futureTimestamp)
    /// The request is well formed but no signature matched any active secret (tampered body, wrong secret).
    public static let signatureMismatch = Self(.signatureMismatch)
}
