import Foundation
import GatewayVocabulary

/// Durable state the gateway must not lose: which deliveries it has acted on, with the answer it gave, and
/// the hash-chained audit trail of every decision.
///
/// The server is written against this protocol only, so the embedded SQLite store (``SQLiteGatewayStore``)
/// and a second backend can be swapped by configuration. It is the sum of these concerns, each its own protocol
/// so a backend can implement and test them one by one: ``DeliveryStore`` (idempotent deliveries and their
/// answers), ``AuditStore`` (the hash-chained audit trail), ``GrantStore`` (time-bound grants and their
/// revocation leases), ``CallbackOutboxStore`` (grant events and chat replies waiting to be delivered) and
/// ``ApprovalStore`` (privileged requests held until other people approve them). Every
/// method that changes state returns only after the change is durable, so a process killed right after the call
/// loses nothing the caller saw.
///
/// ## Idempotency
///
/// Senders deliver at least once. Before acting on a delivery the server claims its ``DeliveryKey``, and
/// the claim commits together with the audit record that the request was accepted:
///
/// ```swift
/// switch try await store.claimDelivery(request, now: .now) {
/// case .claimed:              // act, then recordOutcome(event, answering: answer)
/// case .inFlight:             // 409: another attempt is still working on it
/// case .completed(let r):     // replay `r` without acting
/// case .fingerprintMismatch:  // 422: the key was reused for a different payload
/// case .signatureReused:      // 401: a captured signature replayed under a new delivery id
/// }
/// ```
///
/// ## Durability and group commit
///
/// Every change (claim, outcome, audit record) goes through one queue and commits in batches: one
/// transaction, so one fsync, for all the changes that arrived while the previous batch was being written.
/// Each method returns once its change is durable, so a process killed right after loses nothing the caller
/// saw, and concurrent requests share the cost of the fsync.
///
/// ## Audit
///
/// The audit trail is one chain: gapless sequence numbers, each record hashing its predecessor (see
/// ``AuditChain`` for the exact serialization). ``AuditStore/verifyAuditChain(anchor:)`` detects edited, deleted
/// and reordered records.
public protocol GatewayStore: DeliveryStore, AuditStore, GrantStore, CallbackOutboxStore, TargetLockStore, ApprovalStore {
    /// Counters for metrics and tests: how well writes are being grouped.
    var statistics: GatewayStoreStatistics { get }

    /// Finishes the writes queued so far and releases the store; nothing may be called after.
    func close() async throws
}

/// Idempotent deliveries: one claim per delivery, the answer repeats replay, and the outcome recorded with it.
public protocol DeliveryStore: Sendable {
    /// Claims a delivery so exactly one attempt acts on it, and on success appends `request.acceptance`
    /// to the audit trail in the same transaction.
    ///
    /// The claim is decided atomically from the key's stored state:
    ///
    /// | Stored state for `key` | Result |
    /// | --- | --- |
    /// | the signature digest authenticated another live delivery id | ``DeliveryClaim/signatureReused`` |
    /// | none | ``DeliveryClaim/claimed(recoveredFromCrash:)`` with `false` |
    /// | expired (`now` ≥ claim time + its `expiresAfter`), answered | replaced; `claimed(recoveredFromCrash: false)` |
    /// | expired, never answered | replaced; `claimed(recoveredFromCrash: true)` |
    /// | live, another fingerprint | ``DeliveryClaim/fingerprintMismatch`` |
    /// | live, answered, not reopened (see ``DeliveryAnswer/reopensAt``) | ``DeliveryClaim/completed(_:)`` |
    /// | live, answered, reopened | replaced; `claimed(recoveredFromCrash: false)` |
    /// | live, unanswered, claimed at least `staleClaimAfter` ago | taken over; `claimed(recoveredFromCrash: true)` |
    /// | live, unanswered, recent | ``DeliveryClaim/inFlight(requestID:)`` |
    ///
    /// A claim that is never answered is one whose process died (or failed to store the answer) after
    /// claiming. Taking it over after `staleClaimAfter` keeps the key from being blocked forever; the flag
    /// tells the server that the earlier attempt may already have acted, which is safe for operations that
    /// converge (Segura's enable and disable). `staleClaimAfter` must therefore exceed the longest time one
    /// attempt can take, retries included, or a slow attempt and its takeover would both act.
    ///
    /// - Parameters:
    ///   - request: the key, payload fingerprint, signature digest, owner and the acceptance record.
    ///   - now: the current time; passed in so tests and replicas agree on one clock reading.
    /// - Throws: ``StoreError/overloaded`` when the store's write queue is full: nothing was written or claimed.
    func claimDelivery(_ request: DeliveryClaimRequest, now: Date) async throws -> DeliveryClaim

    /// Moves the time of `requestID`'s unanswered claim on `key` to `now`, and returns whether that request
    /// still held it.
    ///
    /// The `staleClaimAfter` rule assumes a claim is answered within one attempt's time. A change queued
    /// behind other changes to its target waits longer than that before it even starts, so the server renews
    /// its claim while it waits, often enough that the claim is still fresh until its own attempt ends: a retry
    /// then gets ``DeliveryClaim/inFlight(requestID:)`` instead of taking the claim over and acting a second
    /// time. A claim that was answered, taken over or purged is left alone (`false`).
    func renewDeliveryClaim(_ key: DeliveryKey, requestID: String, now: Date) async throws -> Bool

    /// Appends the outcome's audit record and, with `answer`, stores the delivery's answer, in one
    /// transaction: a repeat never replays an answer whose outcome is not on record.
    ///
    /// Runs to completion even if the calling task is cancelled: the action already happened. The answer is
    /// stored only while `answer.response.requestID` still holds the unanswered claim (not taken over as
    /// stale, not purged); ``RecordedOutcome/answerStored`` tells. The server returns the answer either way.
    /// With `grant`, the change to the target's open grant (an extension, a cancellation, an early end) and
    /// its audit record commit in the same transaction; ``RecordedOutcome/grantChanged`` tells whether the
    /// grant was still open to change. `callback` goes into the outbox in that transaction too, unless the
    /// grant change it announces did not apply. `reply`, a chat reply announcing this outcome to the person who
    /// asked, goes into the outbox in that transaction whatever happened to the grant: the outcome it reports is
    /// recorded either way.
    func recordOutcome(
        _ event: AuditEvent, answering answer: DeliveryAnswer?, grant: GrantChange?, callback: CallbackEvent?, reply: CallbackEvent?
    ) async throws -> RecordedOutcome

    /// Deletes every delivery (and remembered signature) whose expiry is at or before `now`, answered or not.
    ///
    /// Expired keys already behave as absent; purging only reclaims space. Run it periodically.
    ///
    /// - Returns: how many deliveries were deleted.
    func purgeExpiredDeliveries(now: Date) async throws -> Int

    /// The stored answer of the request `requestID`, if it belongs to `caller` and has not been purged.
    ///
    /// Scoped to the caller so one caller cannot read another's answers (`GET /v1/actions/{request_id}`).
    /// Unanswered claims return `nil`.
    func storedResponse(requestID: String, caller: String) async throws -> StoredResponse?
}

/// The hash-chained audit trail: appends, its head, export and verification.
public protocol AuditStore: Sendable {
    /// Appends one event to the audit chain and returns its record once it is durable on disk.
    ///
    /// Concurrent writes share one transaction (and so one fsync) per batch. Runs to completion even if
    /// the calling task is cancelled: a decision already made must be recorded.
    func appendAudit(_ event: AuditEvent) async throws -> AuditRecord

    /// The last record's sequence and hash (``AuditHead/genesis`` when the trail is empty).
    ///
    /// Publish it regularly outside the store (logs, a SIEM): a head kept elsewhere is the only proof
    /// against someone who rewrites the whole file. Pass it back as the anchor of ``verifyAuditChain(anchor:)``.
    func auditHead() async throws -> AuditHead

    /// The audit records in sequence order, read page by page so memory stays bounded.
    ///
    /// - Parameters:
    ///   - since: keep only records whose event ``AuditEvent/occurredAt`` is at or after this time.
    ///   - afterSequence: start after this sequence number (resume a previous export); `nil` starts at 1.
    /// - Returns: a stream that ends after the last record committed when its final page was read.
    func auditRecords(since: Date?, afterSequence: Int?) -> AsyncThrowingStream<AuditRecord, any Error>

    /// Re-computes the whole chain in one consistent read and reports the first break.
    ///
    /// - Parameter anchor: a head published earlier (see ``auditHead()``); when given, the chain must contain
    ///   a record with that sequence and hash. Without one, a rewrite of the whole chain and head goes unseen.
    func verifyAuditChain(anchor: AuditHead?) async throws -> AuditVerification
}

/// Time-bound grants: the open grant of each target, and revocation leases that survive restarts and replicas.
public protocol GrantStore: Sendable {
    /// The grant `id`, in whatever state.
    func grant(id: String) async throws -> Grant?

    /// The target's open grant (active, revoking or revoke_failed), if any; there is at most one.
    func openGrant(kind: TargetKind, id: Int) async throws -> Grant?

    /// Grants matching `query`, newest first, keeping only those `isVisible` accepts (the caller's scope),
    /// until `query.limit` are found.
    func grants(matching query: GrantQuery, isVisible: @escaping @Sendable (Grant) -> Bool) async throws -> [Grant]

    /// When the scheduler next has something to do (an expiry, a retry, the end of a lease); `nil` if nothing.
    func nextRevocationDue() async throws -> Date?

    /// Atomically leases up to `limit` grants due at `now` to new revocation attempts, until `now + lease`,
    /// recording `grant_revocation_started` for each. Two schedulers on one store never get the same grant;
    /// a lease that is never completed (its process died) falls due again when it ends.
    func claimDueRevocations(now: Date, limit: Int, lease: Duration, owner: String) async throws -> [RevocationClaim]

    /// Leases the open grant `grantID` to the attempt `requestID` now, whatever its expiry (`DELETE`).
    func claimRevocation(grantID: String, requestID: String, caller: String, now: Date, lease: Duration, owner: String) async throws -> RevocationRequest

    /// Opens `opening`'s grant now unless its target has an open grant, and returns the target's open grant.
    /// For an enable whose grant could not open with its claim (another was open then, and has ended since).
    func ensureOpenGrant(_ opening: GrantOpening, now: Date) async throws -> Grant?

    /// Extends the attempt `token`'s lease to `until` if it still holds it; returns whether it did. An
    /// extension or a disable since the claim takes the lease away, and the attempt must then not disable.
    func renewRevocationLease(grantID: String, token: String, until: Date) async throws -> Bool

    /// Records a revocation attempt's result with its audit record; returns the grant afterwards, or `nil`
    /// when the attempt no longer held the lease. The record is appended regardless (the call happened), as
    /// `grant_revocation_superseded` in that case.
    func completeRevocation(_ completion: RevocationCompletion, now: Date) async throws -> Grant?

    /// Makes every lease `owner` held due at once: on start-up, the attempts a killed process left.
    func releaseRevocationLeases(owner: String, now: Date) async throws -> Int
}

/// The callback outbox: grant events and chat replies, written with what they announce and delivered at least once.
public protocol CallbackOutboxStore: Sendable {
    /// Puts one event in the outbox on its own, due at once, and returns once it is durable: a chat reply to a
    /// request refused before anything was recorded with it (see
    /// ``DeliveryStore/recordOutcome(_:answering:grant:callback:reply:)`` for replies that go with an outcome).
    func enqueueCallback(_ event: CallbackEvent) async throws

    /// Leases up to `limit` outbox events due at `now` until `now + lease` (a lease never completed falls
    /// due again), counting the attempt; oldest first.
    func claimDueCallbacks(now: Date, limit: Int, lease: Duration) async throws -> [CallbackDelivery]

    /// Records how a delivery attempt ended.
    func completeCallback(id: String, result: CallbackResult) async throws

    /// When the outbox next has an event due; `nil` if it is empty.
    func nextCallbackDue() async throws -> Date?
}

/// One change per target across every process that shares the store.
///
/// Segura's enable and disable are not idempotent, so two changes to one target must not interleave, whichever
/// replica runs them. The server serializes the changes of its own process first and takes this lock inside, so a
/// process holds at most one store lock per target at a time.
public protocol TargetLockStore: Sendable {
    /// Runs `body` while this process holds `target`'s lock in the store. If another process holds it, waits, first
    /// come first served, running `whileWaiting` until the lock is taken (it is then cancelled).
    ///
    /// - Throws: a ``StoreError`` when the lock cannot be taken (the database is unreachable); `body` did not run.
    func withTargetLock<T: Sendable>(_ target: Target, whileWaiting: (@Sendable () async -> Void)?, _ body: () async throws -> T) async throws -> T
}

extension DeliveryStore {
    /// Records an outcome that changes no grant.
    public func recordOutcome(_ event: AuditEvent, answering answer: DeliveryAnswer?) async throws -> RecordedOutcome {
        try await self.recordOutcome(event, answering: answer, grant: nil, callback: nil, reply: nil)
    }
}

extension AuditStore {
    /// Re-computes the whole chain without an external anchor.
    public func verifyAuditChain() async throws -> AuditVerification {
        try await self.verifyAuditChain(anchor: nil)
    }
}
