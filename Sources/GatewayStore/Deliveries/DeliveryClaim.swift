import Foundation
import GatewayVocabulary

/// What the server may do with a delivery it tried to claim; see ``GatewayStore/claimDelivery(_:now:)``.
public enum DeliveryClaim: Sendable, Hashable {
    /// The attempt now owns the delivery and may act on it, then must answer it through
    /// ``GatewayStore/recordOutcome(_:answering:)``. The claim's acceptance event, if any, is on record.
    ///
    /// `recoveredFromCrash` is `true` when an earlier attempt claimed the key and never answered it: that
    /// attempt may have acted before it died, so the server should audit the takeover and rely on the
    /// operation converging (or reconcile the target's state first).
    case claimed(recoveredFromCrash: Bool)
    /// Another attempt holds a recent claim and has not answered yet: answer 409, the sender may retry.
    case inFlight(requestID: String)
    /// The delivery was answered already: replay this response without acting.
    case completed(StoredResponse)
    /// The key was used before with a different payload: answer 422.
    case fingerprintMismatch
    /// This exact signature already authenticated another delivery id: a captured request replayed with a
    /// new, unsigned delivery id (`Idempotency-Key`, `X-GitHub-Delivery`). Refuse it as a replay.
    case signatureReused
    /// The delivery was attempted before without a final answer (its answer reopened, or its attempt died), and
    /// since then another change to the same target completed (`completedBy` is that request's id). Acting
    /// now would undo the later change, so the store refuses: answer 409 `superseded`.
    case superseded(completedBy: String)
}

/// Everything the store needs to decide a claim, and the record to keep if it is granted.
public struct DeliveryClaimRequest: Sendable, Hashable {
    /// The caller and the sender's delivery id.
    public var key: DeliveryKey
    /// A digest of the payload (e.g. hex SHA-256 of the raw body), to refuse key reuse.
    public var fingerprint: String
    /// A digest of the signature that authenticated the request, or `nil` when the scheme has no per-request
    /// signature (a static token). A digest may authenticate one delivery id only while the key is remembered.
    public var signatureDigest: String?
    /// The delivery id the signature itself fixes, if any: Standard Webhooks' signed `webhook-id`, or the
    /// digest when it stands in for a missing id. Claimed under that id, the signature cannot name another
    /// one, so the store keeps no separate record of it (one write less per request) and instead refuses
    /// the signature under any other id while that delivery is remembered.
    public var signedDeliveryID: String?
    /// The gateway's id for this attempt; it owns the claim and answers it.
    public var requestID: String
    /// `true` when the key was made for this attempt (the sender gave no delivery id, so the key holds the
    /// unique request id): no earlier claim can hold it, and the store skips looking for one.
    public var isFreshKey: Bool
    /// How long the key is remembered from this claim; must be positive.
    public var expiresAfter: Duration
    /// Appended to the audit trail in the claim's own transaction when the claim is granted, so no attempt
    /// acts without its acceptance on record and the two cost one durable write.
    public var acceptance: AuditEvent?
    /// A time-bound grant to open with the claim, unless the target already has an open grant (which the
    /// outcome then extends); its `grant_created` record commits with it.
    public var grant: GrantOpening?
    /// The object the delivery changes, so a delivery acted on again can be refused when another change to it
    /// completed since (``DeliveryClaim/superseded(completedBy:)``).
    public var target: Target?
    /// Whether the signature must be remembered for good rather than with the delivery: for schemes that sign
    /// no timestamp (`hub-sha256`, `teams-hmac`), whose captured requests stay valid for ever. Once the delivery itself is
    /// forgotten, the signature is refused as ``DeliveryClaim/signatureReused`` instead of acting again.
    public var signatureOutlivesDelivery: Bool

    /// Creates a claim request; see each property.
    public init(
        key: DeliveryKey,
        fingerprint: String,
        signatureDigest: String?,
        signedDeliveryID: String? = nil,
        requestID: String,
        isFreshKey: Bool = false,
        expiresAfter: Duration,
        acceptance: AuditEvent?,
        grant: GrantOpening? = nil,
        target: Target? = nil,
        signatureOutlivesDelivery: Bool = false
    ) {
        self.key = key
        self.fingerprint = fingerprint
        self.signatureDigest = signatureDigest
        self.signedDeliveryID = signedDeliveryID
        self.requestID = requestID
        self.isFreshKey = isFreshKey
        self.expiresAfter = expiresAfter
        self.acceptance = acceptance
        self.grant = grant
        self.target = target
        self.signatureOutlivesDelivery = signatureOutlivesDelivery
    }
}

/// The answer to store for a claimed delivery, with how long repeats replay it.
public struct DeliveryAnswer: Sendable, Hashable {
    /// The claimed delivery.
    public var key: DeliveryKey
    /// The bytes sent to the client; `response.requestID` must be the claim's owner.
    public var response: StoredResponse
    /// `nil` for a final answer, replayed until the key expires. For an answer a retry could change (a
    /// retryable failure, an unknown outcome), the time from which the delivery may be claimed and acted on
    /// again; until then a repeat, whatever its timestamp, is a replay and gets this answer.
    public var reopensAt: Date?

    /// Creates an answer; see each property.
    public init(key: DeliveryKey, response: StoredResponse, reopensAt: Date?) {
        self.key = key
        self.response = response
        self.reopensAt = reopensAt
    }
}

/// What ``GatewayStore/recordOutcome(_:answering:)`` committed.
public struct RecordedOutcome: Sendable, Hashable {
    /// The outcome's audit record, durable.
    public var record: AuditRecord
    /// Whether the answer was stored; `false` when there was none, or when its claim was no longer held
    /// (taken over as stale, or purged), in which case a repeat acts again.
    public var answerStored: Bool
    /// Whether the grant change was applied; `false` when there was none or the grant was no longer open.
    public var grantChanged: Bool

    /// Creates a result; see each property.
    public init(record: AuditRecord, answerStored: Bool, grantChanged: Bool = false) {
        self.record = record
        self.answerStored = answerStored
        self.grantChanged = grantChanged
    }
}
