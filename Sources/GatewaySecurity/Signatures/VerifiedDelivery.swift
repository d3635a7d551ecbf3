import Foundation

/// What a successful verification establishes about one delivery, for dedup, audit and logs.
public struct VerifiedDelivery: Sendable, Equatable {
    /// The sender's delivery id: `webhook-id` (Standard Webhooks, signed), `X-GitHub-Delivery` or
    /// `X-Atlassian-Webhook-Identifier` (hub, not signed), `Idempotency-Key` (static token, not signed), or
    /// `nil` (Slack, which sends none: its retries are told apart by `X-Slack-Retry-Num`, which the layer
    /// above handles; Teams, whose Activity `id` is in the body, for the layer above to read).
    /// ``SignatureScheme/signsDeliveryID`` says whether the id can be trusted.
    public var deliveryID: String?
    /// The signed send time for schemes that sign one (Standard Webhooks, Slack); `nil` otherwise.
    public var timestamp: Date?
    /// The scheme that verified the delivery.
    public var scheme: SignatureScheme
    /// Lowercase hex SHA-256 of the MAC bytes that matched; `nil` for a static token.
    ///
    /// A replay of a captured request carries the same MAC, so this is a dedup key that an attacker cannot
    /// vary, unlike an unsigned delivery-id header (the reference's "sha256 of the signature" fallback). It is
    /// computed from decoded bytes, so re-spelling the hex in upper case does not change it. It reveals
    /// nothing about the secret: the MAC itself was already on the wire.
    public var signatureDigest: String?

    /// Creates a delivery; see each property.
    init(deliveryID: String?, timestamp: Date?, scheme: SignatureScheme, signatureDigest: String?) {
        self.deliveryID = deliveryID
        self.timestamp = timestamp
        self.scheme = scheme
        self.signatureDigest = signatureDigest
    }
}

extension VerifiedDelivery {
    /// A delivery no caller signature covers, which the gateway vouches for itself under `deliveryID`: a request its
    /// approvers approved (signed when it was asked for; its approval id as the id, so running it again after a
    /// crash replays its recorded answer), or a Mattermost button click (proven by the gateway's button context and
    /// the server's signed `trigger_id`, which is its id).
    public static func vouched(deliveryID: String, scheme: SignatureScheme) -> VerifiedDelivery {
        VerifiedDelivery(deliveryID: deliveryID, timestamp: nil, scheme: scheme, signatureDigest: nil)
    }
}
