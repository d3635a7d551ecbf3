/// Names one delivery: the caller it came from and the sender's own id for it.
///
/// The caller is part of the key so one caller can neither collide with nor read another's deliveries
/// (draft-ietf-httpapi-idempotency-key-header, "Security Considerations").
public struct DeliveryKey: Sendable, Hashable {
    /// The configured caller name the delivery was verified for.
    public var caller: String
    /// The sender's delivery id (`webhook-id`, `X-GitHub-Delivery`, `Idempotency-Key`, …) or a digest
    /// standing in for it when the sender has none.
    public var deliveryID: String

    /// Creates a key from a verified caller and a delivery id.
    public init(caller: String, deliveryID: String) {
        self.caller = caller
        self.deliveryID = deliveryID
    }
}
