import Foundation

/// What a backend reads, inside the claim's transaction, before deciding a claim: the facts
/// ``ClaimRule/plan(_:facts:now:)`` needs, so every backend applies the same rules to the same state.
package struct ClaimFacts: Sendable {
    /// The delivery id the request's signature digest last authenticated for its caller, while remembered.
    package var signatureOwner: String?
    /// The delivery stored under ``DeliveryClaimRequest/signedDeliveryKeyToCheck``, if the request has one.
    package var signedDelivery: StoredDelivery?
    /// The key's stored delivery; `nil` for a fresh key.
    package var stored: StoredDelivery?

    package init(signatureOwner: String?, signedDelivery: StoredDelivery?, stored: StoredDelivery?) {
        self.signatureOwner = signatureOwner
        self.signedDelivery = signedDelivery
        self.stored = stored
    }
}

/// The writes and answer a claim comes to, before the one check that needs the stored claim's time.
package struct ClaimPlan: Sendable, Equatable {
    /// Remember the request's signature digest for its key until this time (an upsert), whatever the verdict.
    package var rememberSignatureUntil: Date?
    package var verdict: Verdict

    package enum Verdict: Sendable, Equatable {
        /// Leave the key as it is and answer this.
        case answer(DeliveryClaim)
        /// Write a fresh claim for the request, unless a change to the request's target completed after
        /// `unlessTargetChangedAfter` (then answer ``DeliveryClaim/superseded(completedBy:)``).
        case take(recoveredFromCrash: Bool, unlessTargetChangedAfter: Date?)
    }
}

extension DeliveryClaimRequest {
    /// The key of the delivery the signature itself names, when it is not the request's key and must be looked
    /// up: a signature may not authenticate a second delivery id while its own delivery is remembered.
    package var signedDeliveryKeyToCheck: DeliveryKey? {
        guard self.signatureDigest != nil, self.key.deliveryID != self.signedDeliveryID || self.signatureOutlivesDelivery,
            let signedID = self.signedDeliveryID, signedID != self.key.deliveryID
        else { return nil }
        return DeliveryKey(caller: self.key.caller, deliveryID: signedID)
    }
}

extension ClaimRule {
    /// Decides a claim from the facts read in its transaction; see ``DeliveryStore/claimDelivery(_:now:)``.
    package func plan(_ request: DeliveryClaimRequest, facts: ClaimFacts, now: Date) -> ClaimPlan {
        var remember: Date?
        if request.signatureDigest != nil {
            if let owner = facts.signatureOwner, owner != request.key.deliveryID {
                return ClaimPlan(rememberSignatureUntil: nil, verdict: .answer(.signatureReused))
            }
            if request.key.deliveryID != request.signedDeliveryID || request.signatureOutlivesDelivery {
                if let earlier = facts.signedDelivery, earlier.expiresAt > now {
                    return ClaimPlan(rememberSignatureUntil: nil, verdict: .answer(.signatureReused))
                }
                remember = request.signatureOutlivesDelivery ? Date.distantFuture : now.adding(request.expiresAfter)
            }
        }
        let isRemembered = facts.stored.map { now < $0.expiresAt } ?? false
        // A signature that never expires came back after its delivery was forgotten: a replay, not a retry.
        if request.signatureOutlivesDelivery, facts.signatureOwner != nil, !isRemembered {
            return ClaimPlan(rememberSignatureUntil: remember, verdict: .answer(.signatureReused))
        }
        switch self.decide(stored: facts.stored, fingerprint: request.fingerprint, now: now) {
        case .answer(let claim):
            return ClaimPlan(rememberSignatureUntil: remember, verdict: .answer(claim))
        case .take(let recoveredFromCrash):
            // Acting again on a delivery attempted before: not if another change to the target completed since.
            let since = isRemembered && request.target != nil ? facts.stored?.claimedAt : nil
            return ClaimPlan(rememberSignatureUntil: remember, verdict: .take(recoveredFromCrash: recoveredFromCrash, unlessTargetChangedAfter: since))
        }
    }
}
