import Foundation

/// Durable state the gateway must not lose: which deliveries it has acted on, with the answer it gave, and
/// the hash-chained audit trail of every decision.
///
/// The server is written against this protocol only, so the embedded SQLite store (``SQLiteGatewayStore``)
/// and a later PostgreSQL store can be swapped by configuration. Every method that changes state returns
/// only after the change is durable, so a process killed right after the call loses nothing the caller saw.
///
/// ## Idempotency
///
/// Senders deliver at least once. Before acting on a delivery the server claims its ``DeliveryKey``:
///
/// ```swift
/// switch try await store.claimDelivery(key, fingerprint: sha256(body), requestID: id, now: .now, expiresAfter: .seconds(86_400)) {
/// case .claimed(let recoveredFromCrash):   // act, then completeDelivery (or releaseDelivery if nothing was done)
/// case .inFlight:                          // 409: another attempt is still working on it
/// case .completed(let response):           // replay `response` without acting
/// case .fingerprintMismatch:               // 422: the key was reused for a different payload
/// }
/// ```
///
/// ## Audit
///
/// ``appendAudit(_:)`` appends one ``AuditRecord`` to a single chain: gapless sequence numbers, each record
/// hashing its predecessor (see ``AuditChain`` for the exact serialization). ``verifyAuditChain(anchor:)``
/// detects edited, deleted and reordered records.
public protocol GatewayStore: Sendable {
    /// Claims a delivery so exactly one attempt acts on it.
    ///
    /// The claim is decided atomically, in one write transaction, from the key's stored state:
    ///
    /// | Stored state for `key` | Result |
    /// | --- | --- |
    /// | none | ``DeliveryClaim/claimed(recoveredFromCrash:)`` with `false` |
    /// | expired (`now` ≥ claim time + its `expiresAfter`), answered | replaced; `claimed(recoveredFromCrash: false)` |
    /// | expired, never answered | replaced; `claimed(recoveredFromCrash: true)` |
    /// | live, another fingerprint | ``DeliveryClaim/fingerprintMismatch`` |
    /// | live, answered | ``DeliveryClaim/completed(_:)`` with the stored response |
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
    ///   - key: the caller and the sender's delivery id.
    ///   - fingerprint: a digest of the payload (e.g. hex SHA-256 of the raw body), to refuse key reuse.
    ///   - requestID: the gateway's id for this attempt; it owns the claim and must be the `requestID` of the
    ///     response given to ``completeDelivery(_:response:)``.
    ///   - now: the current time; passed in so tests and replicas agree on one clock reading.
    ///   - expiresAfter: how long the key is remembered from this claim; must be positive.
    func claimDelivery(
        _ key: DeliveryKey,
        fingerprint: String,
        requestID: String,
        now: Date,
        expiresAfter: Duration
    ) async throws -> DeliveryClaim

    /// Stores the answer to a claimed delivery, so retries replay it instead of acting again.
    ///
    /// Runs to completion even if the calling task is cancelled: the action already happened.
    ///
    /// - Throws: ``StoreError/claimNotHeld`` when `response.requestID` no longer holds an unanswered claim on
    ///   `key` (it was taken over as stale, released, purged or already answered). The response is then not
    ///   stored; the server still returns it to its client.
    func completeDelivery(_ key: DeliveryKey, response: StoredResponse) async throws

    /// Drops an unanswered claim when the server could not act at all, so a retry may act.
    ///
    /// Only the claim's owner can release it, so a late release cannot drop a claim taken over since.
    ///
    /// - Returns: whether a claim was dropped; `false` when `requestID` held none on `key`.
    @discardableResult
    func releaseDelivery(_ key: DeliveryKey, requestID: String) async throws -> Bool

    /// Deletes every delivery whose expiry is at or before `now`, answered or not.
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

    /// Appends one event to the audit chain and returns its record once it is durable on disk.
    ///
    /// Concurrent appends share one transaction (and so one fsync) per batch. Runs to completion even if
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

    /// Counters for metrics and tests: how well appends are being grouped.
    var statistics: GatewayStoreStatistics { get }
}

extension GatewayStore {
    /// Re-computes the whole chain without an external anchor.
    public func verifyAuditChain() async throws -> AuditVerification {
        try await self.verifyAuditChain(anchor: nil)
    }
}
