import Foundation

/// What a store knows about a delivery key when a new claim arrives.
struct StoredDelivery: Sendable {
    var fingerprint: String
    var requestID: String
    var claimedAt: Date
    var expiresAt: Date
    /// `nil` while the claim is unanswered.
    var response: StoredResponse?
    /// For an answer that is not final, when the delivery may be claimed again (``DeliveryAnswer/reopensAt``).
    var reopensAt: Date?
}

/// The claim decision of ``GatewayStore/claimDelivery(_:now:)``, kept free of
/// any database so every backend applies the same table of rules.
struct ClaimRule: Sendable {
    /// What the backend must do within the claim's transaction.
    enum Verdict: Equatable {
        /// Write a fresh claim for the new request, replacing any stored row, and answer `.claimed`.
        case take(recoveredFromCrash: Bool)
        /// Leave the row untouched and answer this.
        case answer(DeliveryClaim)
    }

    /// How long an unanswered claim blocks its key before another attempt may take it over.
    var staleClaimAfter: Duration

    /// Decides a claim with `fingerprint` at `now` given the key's stored state.
    func decide(stored: StoredDelivery?, fingerprint: String, now: Date) -> Verdict {
        guard let stored else { return .take(recoveredFromCrash: false) }
        let isUnanswered = stored.response == nil
        if now >= stored.expiresAt {
            return .take(recoveredFromCrash: isUnanswered)
        }
        if stored.fingerprint != fingerprint {
            return .answer(.fingerprintMismatch)
        }
        if let response = stored.response {
            if let reopensAt = stored.reopensAt, now >= reopensAt {
                return .take(recoveredFromCrash: false)
            }
            return .answer(.completed(response))
        }
        if now >= stored.claimedAt.adding(self.staleClaimAfter) {
            return .take(recoveredFromCrash: true)
        }
        return .answer(.inFlight(requestID: stored.requestID))
    }
}
