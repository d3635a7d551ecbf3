import GatewayVocabulary


/// Why a webhook's signature, token or delivery headers were refused.
///
/// Modelled on async-http-client's `HTTPClientError`: a struct wrapping a private code, so new failure kinds
/// can be added without breaking callers. The ``explanation`` is a fixed text per kind: it never contains a
/// MAC, a secret, a header value, or a hint of which secret came close, so it is safe in responses and logs.
/// The HTTP status comes with the ``code`` from the ``ErrorCatalogue``.
public struct SignatureError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case missingSignature
        case duplicateHeader
        case malformedSignature
        case malformedTimestamp
        case malformedDeliveryID
        case malformedIdempotencyKey
        case staleTimestamp
        case futureTimestamp
        case signatureMismatch
    }

    private let kind: Code

    private init(_ kind: Code) {
        self.kind = kind
    }

    /// The stable error code of the failure, for the answer, the audit trail and metric labels.
    public var code: ErrorCode {
        switch self.kind {
        case .missingSignature: .missingSignature
        case .duplicateHeader: .duplicateHeader
        case .malformedSignature: .malformedSignature
        case .malformedTimestamp: .malformedTimestamp
        case .malformedDeliveryID: .malformedDeliveryID
        case .malformedIdempotencyKey: .malformedIdempotencyKey
        case .staleTimestamp: .staleTimestamp
        case .futureTimestamp: .futureTimestamp
        case .signatureMismatch: .signatureMismatch
        }
    }

    public var description: String { "SignatureError.\(self.code.rawValue): \(self.explanation)" }

    /// What the sender is told: the rule that failed, never a MAC, a secret or which secret was close.
    public var explanation: String {
        switch self.kind {
        case .missingSignature: "no signature header of a configured scheme was found"
        case .duplicateHeader: "a signature or delivery header appears more than once"
        case .malformedSignature: "the signature header could not be parsed"
        case .malformedTimestamp: "the signature timestamp is not a whole number of Unix seconds"
        case .malformedDeliveryID: "the delivery id header is malformed"
        case .malformedIdempotencyKey: "Idempotency-Key must be an RFC 8941 string, such as \"8e03978e\""
        case .staleTimestamp: "the signature timestamp is outside the allowed window (too old)"
        case .futureTimestamp: "the signature timestamp is outside the allowed window (in the future)"
        case .signatureMismatch: "the signature does not match the request (its body; for any request but POST /v1/actions, its method, path and query too)"
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
