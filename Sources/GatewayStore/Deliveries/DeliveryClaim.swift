/// What the server may do with a delivery it tried to claim; see ``GatewayStore/claimDelivery(_:fingerprint:requestID:now:expiresAfter:)``.
public enum DeliveryClaim: Sendable, Hashable {
    /// The attempt now owns the delivery and may act on it, then must answer it with
    /// ``GatewayStore/completeDelivery(_:response:)`` or give it back with ``GatewayStore/releaseDelivery(_:requestID:)``.
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
}
