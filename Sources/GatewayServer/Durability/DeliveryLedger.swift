import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import Logging
import SeguraClient

/// The server's use of the durable store: one claim per delivery, the stored answer for repeats, and an
/// audit record for every decision.
///
/// Two durable writes per action, each shared with concurrent requests by the store's group commit:
///
/// 1. Before acting, the claim and the `accepted` record commit together, so nothing reaches Segura that is
///    not on record, and a concurrent repeat sees the claim.
/// 2. After acting, the outcome's record and the stored answer commit together, before the answer is sent.
///
/// A crash in between leaves a claim that a retry takes over once stale (Segura's enable and disable
/// converge, so acting again is safe), with `accepted` on record and no outcome.
struct DeliveryLedger: Sendable {
    /// The durable store, or for the durability benchmark's baseline (``GatewayConfiguration/keepsDurableState``)
    /// a ``TransientStore``: then every request acts, and nothing is kept.
    let store: any GatewayStore
    /// How long a delivery id is remembered (`Idempotency-Key` expiry, documented in openapi.yaml).
    let expiresAfter: Duration
    /// How often a change queued behind others on its target renews its claim (``keepClaimAlive(_:requestID:)``,
    /// ``GatewayConfiguration/claimRenewal``).
    let claimRenewal: Duration
    /// The chat platform of each chat caller, named in the audit records of its decisions.
    let platforms: [String: ChatPlatformKind]
    let logger: Logger

    /// What to do with an admitted delivery.
    enum Decision {
        /// Act; `key` is held until the outcome is recorded.
        case act(key: DeliveryKey)
        /// Answer with these stored bytes, without acting.
        case replay(StoredResponse)
        /// Refuse with this error code: `delivery_in_flight` (409), `idempotency_key_reused` (422) or
        /// `signature_replayed` (401).
        case refuse(code: ErrorCode, detail: String)
    }

    /// Claims the request's delivery, keyed by the payload's SHA-256 fingerprint, and records `acceptance`
    /// with the claim. An `enable` with a duration opens its grant in the same write, unless the target has an
    /// open grant already (the outcome extends that one), so the timer is durable before Segura enables.
    ///
    /// A request without a delivery id (a static token without `Idempotency-Key`) is claimed under its own
    /// request id, which no repeat can carry: it always acts, and its answer is still kept for
    /// `GET /v1/actions/{request_id}`.
    func claim(_ verified: VerifiedRequest, acceptance: AuditEvent, action: ActionRequest) async throws -> Decision {
        let key = DeliveryKey(caller: verified.caller.name, deliveryID: verified.deliveryID ?? "request:" + verified.requestID)
        let now = Date()
        let request = DeliveryClaimRequest(
            key: key,
            fingerprint: PayloadFingerprint.of(verified.body),
            signatureDigest: verified.delivery.signatureDigest,
            signedDeliveryID: verified.signedDeliveryID,
            requestID: verified.requestID,
            isFreshKey: verified.deliveryID == nil,
            expiresAfter: self.expiresAfter,
            acceptance: acceptance,
            grant: Self.grantOpening(for: action, verified: verified, now: now),
            target: Target(kind: action.kind, id: action.id),
            signatureOutlivesDelivery: !verified.caller.verifier.scheme.signsTimestamp
        )
        let claim: DeliveryClaim
        do {
            claim = try await self.store.claimDelivery(request, now: now)
        } catch let error as StoreError where error == .notDurable {
            // Without a durable store nothing would revoke the grant: refuse rather than enable for good.
            return .refuse(code: .invalidDuration, detail: "time-bound grants need the durable store, and this gateway runs without one")
        }
        switch claim {
        case .claimed(let recoveredFromCrash):
            if recoveredFromCrash {
                self.logger.warning("Recovered a delivery whose earlier attempt did not finish; acting again (enable and disable converge)")
            }
            return .act(key: key)
        case .completed(let stored):
            return .replay(stored)
        case .inFlight:
            return .refuse(code: .deliveryInFlight, detail: "this delivery is being processed; retry it unchanged later")
        case .fingerprintMismatch:
            return .refuse(code: .idempotencyKeyReused, detail: "this delivery id was used with a different payload")
        case .signatureReused:
            return .refuse(code: .signatureReplayed, detail: "this signature was already used for another delivery, or for this one before it was forgotten")
        case .superseded(let completedBy):
            return .refuse(
                code: .superseded,
                detail: "another change to this target (\(completedBy)) completed after this delivery was attempted; acting now would undo it. Send a new request"
            )
        }
    }

    /// The grant an `enable` with a duration opens, starting now.
    private static func grantOpening(for action: ActionRequest, verified: VerifiedRequest, now: Date) -> GrantOpening? {
        guard action.action == .enable, let duration = action.duration else { return nil }
        let grant = Grant(
            id: TimeOrderedID.make(prefix: "grt_", now: now),
            targetKind: action.kind,
            targetID: action.id,
            caller: verified.caller.name,
            ticket: action.ticket,
            requestedBy: action.requestedBy,
            requestID: verified.requestID,
            startsAt: now,
            expiresAt: now.addingTimeInterval(duration.timeInterval)
        )
        let event = AuditEvent(grant: grant, decision: .grantCreated, requestID: verified.requestID, caller: verified.caller.name, action: .enable, at: now)
        return GrantOpening(grant: grant, event: event)
    }

    /// Opens the request's grant now unless the target has one, and returns the target's open grant.
    func ensureGrant(for request: ActionRequest, verified: VerifiedRequest) async throws -> Grant? {
        let now = Date()
        guard let opening = Self.grantOpening(for: request, verified: verified, now: now) else { return nil }
        return try await self.store.ensureOpenGrant(opening, now: now)
    }

    /// The target's open grant, read before acting on it (under the target's lock).
    func openGrant(for request: ActionRequest) async throws -> Grant? {
        try await self.store.openGrant(kind: request.kind, id: request.id)
    }

    /// Records the outcome and, for a claimed delivery, the answer repeats get: `body`, the answer's bytes.
    ///
    /// A final answer is replayed until the key expires. An answer a retry could change (a retryable failure,
    /// an unknown outcome) is replayed only within the caller's signature tolerance: inside that window a
    /// repeat is a replay whatever its timestamp says; after it the sender's retry may act again, which
    /// converges. `reply`, a chat reply announcing the outcome, is queued with it whether or not `grant` applied.
    /// - Returns: whether `grant` was applied (the grant was still open).
    @discardableResult
    func recordOutcome(
        _ verified: VerifiedRequest,
        key: DeliveryKey?,
        result: ActionResult,
        body: [UInt8],
        upstream: UpstreamFacts? = nil,
        grant: GrantChange? = nil,
        callback: CallbackEvent? = nil,
        reply: CallbackEvent? = nil
    ) async throws -> Bool {
        let event = self.event(
            result.auditDecision, verified.requestID, deliveryID: verified.deliveryID, caller: verified.caller.name, request: result.request,
            result: result, upstream: upstream, receivedAt: verified.receivedDate
        )
        let answer = key.map { key in
            let now = Date()
            return DeliveryAnswer(
                key: key,
                response: StoredResponse(
                    statusCode: result.status, contentType: result.contentType, body: Data(body), requestID: result.requestID, completedAt: now
                ),
                reopensAt: result.isFinal ? nil : now.addingTimeInterval(verified.caller.verifier.tolerance.timeInterval)
            )
        }
        let recorded = try await self.store.recordOutcome(event, answering: answer, grant: grant, callback: callback, reply: reply)
        if answer != nil, !recorded.answerStored {
            self.logger.error("The delivery's claim was taken over before its answer was stored; a repeat may act again")
        }
        return recorded.grantChanged
    }

    /// What a change waiting for its target runs (``TargetSerializer/withExclusiveAccess(to:whileQueued:_:)``):
    /// renews the claim every ``claimRenewal`` until cancelled (``renewUntilCancelled(every:logger:_:)``).
    func keepClaimAlive(_ key: DeliveryKey, requestID: String) -> @Sendable () async -> Void {
        return { [store, claimRenewal, logger] in
            await Self.renewUntilCancelled(every: claimRenewal, logger: logger) {
                try await store.renewDeliveryClaim(key, requestID: requestID, now: Date())
            }
        }
    }

    /// Runs `renew` every `interval` until cancelled, or until it returns `false` (the claim was taken over
    /// or purged, so there is nothing left to keep).
    ///
    /// The schedule is fixed, so the time a write takes does not add up. A failed renewal is tried again
    /// after a quarter of `interval` (at most 1 s), so one failure (a transient `SQLITE_BUSY`) does not use up
    /// the margin that keeps the claim fresh. Apart from the store so that tests can make a renewal fail.
    static func renewUntilCancelled(every interval: Duration, logger: Logger, _ renew: () async throws -> Bool) async {
        let clock = ContinuousClock()
        var next = clock.now.advanced(by: interval)
        while (try? await clock.sleep(until: next)) != nil {
            do {
                guard try await renew() else {
                    logger.warning("A queued change's claim was taken over or purged while it waited; a repeat may act again")
                    return
                }
                next = next.advanced(by: interval)
            } catch {
                logger.error("Could not renew a queued change's claim", metadata: ["error": "\(error)"])
                next = clock.now.advanced(by: min(interval / 4, .seconds(1)))
            }
        }
    }

    /// The stored answer of `requestID`, if `caller` made it and it is still kept.
    func storedResponse(requestID: String, caller: String) async throws -> StoredResponse? {
        try await self.store.storedResponse(requestID: requestID, caller: caller)
    }

    /// Appends the audit record of a decision that does not act (a refusal or a replay); durable on return.
    func audit(_ event: AuditEvent) async throws {
        _ = try await self.store.appendAudit(event)
    }

    /// The audit event of one decision. Never holds a secret, a signature or a body. It names who asked (as the
    /// caller's request or a chat caller's user mapping says) and, for a chat caller, its platform.
    ///
    /// `upstream` is what Segura answered, when it was asked: a success's status and code (such as 1043 for
    /// "already activated") are not in the answer, only failures carry them.
    func event(
        _ decision: AuditDecision,
        _ requestID: String,
        deliveryID: String?,
        caller: String?,
        request: ActionRequest? = nil,
        result: ActionResult? = nil,
        upstream: UpstreamFacts? = nil,
        receivedAt: Date
    ) -> AuditEvent {
        AuditEvent(
            requestID: requestID,
            deliveryID: deliveryID,
            caller: caller,
            decision: decision,
            ticket: request?.ticket,
            action: request?.action,
            targetKind: request?.kind,
            targetID: request.map { String($0.id) },
            outcome: result?.outcome,
            upstreamStatus: upstream?.httpStatus ?? result?.failure?.upstream?.httpStatus,
            seguraCode: upstream?.seguraCode ?? result?.failure?.upstream?.seguraCode,
            errorCode: result?.failure?.code,
            attempts: result?.attempts ?? 0,
            latencyMilliseconds: result.map { Int($0.latencyMilliseconds.rounded()) },
            requestedBy: result?.requestedBy ?? request?.requestedBy,
            platform: caller.flatMap { self.platforms[$0] }?.rawValue,
            receivedAt: receivedAt,
            occurredAt: Date()
        )
    }
}
