import Foundation

/// What a store knows about a delivery key when a new claim arrives.
package struct StoredDelivery: Sendable {
    package var fingerprint: String
    package var requestID: String
    package var claimedAt: Date
    package var expiresAt: Date
    /// `nil` while the claim is unanswered.
    package var response: StoredResponse?
    /// For an answer that is not final, when the delivery may be claimed again (``DeliveryAnswer/reopensAt``).
    package var reopensAt: Date?

    package init(fingerprint: String, requestID: String, claimedAt: Date, expiresAt: Date, response: StoredResponse?, reopensAt: Date?) {
        self.fingerprint = fingerprint
        self.requestID = requestID
        self.claimedAt = claimedAt
        self.expiresAt = expiresAt
        self.response = response
        self.reopensAt = reopensAt
    }
}

/// The claim decision of ``GatewayStore/claimDelivery(_:now:)``, kept free of
/// any database so every backend applies the same table of rules.
package struct ClaimRule: Sendable {
    /// What the backend must do within the claim's transaction.
    package enum Verdict: Equatable {
        /// Write a fresh claim for the new request, replacing any stored row, and answer `.claimed`.
        case take(recoveredFromCrash: Bool)
        /// Leave the row untouched and answer this.
        case answer(DeliveryClaim)
    }

    /// How long an unanswered claim blocks its key before another attempt may take it over.
    package var staleClaimAfter: Duration

    package init(staleClaimAfter: Duration) {
        self.staleClaimAfter = staleClaimAfter
    }

    /// Decides a claim with `fingerprint` at `now` given the key's stored state.
    package func decide(stored: StoredDelivery?, fingerprint: String, now: Date) -> Verdict {
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
