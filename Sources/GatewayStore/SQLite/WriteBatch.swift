import Foundation
import GatewayVocabulary
import GRDB

/// One durable change; the store's group commit writes a batch of them in one transaction (one fsync).
///
/// Every change the server waits on goes through the same queue, so concurrent requests share fsyncs
/// whichever step they are at: one request's claim and another's outcome commit together. A write is one of
/// ``WriteBatch``'s operations; ``SQLiteGatewayStore/enqueue(sheddable:_:)`` hands its typed result back once
/// the batch committed.
struct StoreWrite: Sendable {
    let apply: @Sendable (inout WriteBatch, Database) throws -> Void
}

/// Applies a batch of writes in order within one write transaction.
///
/// Every statement on this path is a cached prepared statement: GRDB's query interface would generate and
/// compile its SQL on every call, which the benchmark showed to be most of the writer thread's time.
///
/// Order matters and is kept: a claim later in the batch sees an earlier claim of the same key, and the
/// audit records are chained in batch order. The chain's head is read once and stored once per batch.
struct WriteBatch {
    let claimRule: ClaimRule
    private var chain: AuditChainWriter

    /// Reads the audit head inside `db`'s transaction, so two processes on one file cannot fork the chain:
    /// SQLite runs one write transaction at a time.
    init(claimRule: ClaimRule, in db: Database) throws {
        self.claimRule = claimRule
        guard let head = try AuditTable.head(db) else { throw StoreError.corruptedData }
        self.chain = AuditChainWriter(head: head)
    }

    /// Applies `writes` in order and moves the audit head; the caller's transaction commits them all or none.
    static func apply(_ writes: [StoreWrite], claimRule: ClaimRule, in db: Database) throws -> [Void] {
        var batch = try WriteBatch(claimRule: claimRule, in: db)
        for write in writes { try write.apply(&batch, db) }
        try batch.chain.storeHead(in: db)
        return writes.map { _ in () }
    }

    // MARK: Deliveries

    /// ``DeliveryStore/recordOutcome(_:answering:grant:callback:reply:)``.
    mutating func recordOutcome(
        _ event: AuditEvent, answer: DeliveryAnswer?, grant: GrantChange?, callback: CallbackEvent?, reply: CallbackEvent?, in db: Database
    ) throws -> RecordedOutcome {
        let record = try self.chain.append(event, in: db)
        try TargetChangeTable.note(event, in: db)
        let stored = try answer.map { try Self.store($0, in: db) } ?? false
        var grantChanged = false
        if let grant, try GrantTable.apply(grant, now: event.occurredAt, in: db) {
            _ = try self.chain.append(grant.event, in: db)
            grantChanged = true
        }
        if let callback, grant == nil || grantChanged {
            try CallbackOutbox.insert(callback, now: event.occurredAt, in: db)
        }
        if let reply {
            try CallbackOutbox.insert(reply, now: event.occurredAt, in: db)
        }
        return RecordedOutcome(record: record, answerStored: stored, grantChanged: grantChanged)
    }

    // MARK: Audit

    /// ``AuditStore/appendAudit(_:)``.
    mutating func appendAudit(_ event: AuditEvent, in db: Database) throws -> AuditRecord {
        try self.chain.append(event, in: db)
    }

    // MARK: Grants

    /// ``GrantStore/claimDueRevocations(now:limit:lease:owner:)``.
    mutating func claimDueRevocations(now: Date, limit: Int, lease: Duration, owner: String, in db: Database) throws -> [RevocationClaim] {
        try GrantTable.dueIDs(now: now, limit: limit, in: db).compactMap { id in
            try self.lease(grantID: id, token: TimeOrderedID.make(prefix: "req_", now: now), caller: nil, now: now, lease: lease, owner: owner, in: db)
        }
    }

    /// ``GrantStore/completeRevocation(_:now:)``.
    mutating func completeRevocation(_ completion: RevocationCompletion, now: Date, in db: Database) throws -> Grant? {
        let grant = try GrantTable.complete(completion, now: now, in: db)
        var event = completion.event
        if grant == nil { event.decision = .grantRevocationSuperseded }
        _ = try self.chain.append(event, in: db)
        try TargetChangeTable.note(event, in: db)
        if grant != nil, let callback = completion.callback {
            try CallbackOutbox.insert(callback, now: now, in: db)
        }
        return grant
    }

    /// ``GrantStore/ensureOpenGrant(_:now:)``.
    mutating func ensureOpenGrant(_ opening: GrantOpening, now: Date, in db: Database) throws -> Grant? {
        if try GrantTable.open(opening.grant, now: now, in: db) {
            _ = try self.chain.append(opening.event, in: db)
        }
        return try GrantTable.openGrant(kind: opening.grant.targetKind, id: opening.grant.targetID, in: db)
    }

    /// ``GrantStore/claimRevocation(grantID:requestID:caller:now:lease:owner:)``, for `DELETE /v1/grants/{id}`: leases an open grant now, whatever its expiry, unless an attempt holds a live lease.
    mutating func claimRevocation(
        grantID: String, requestID: String, caller: String, now: Date, lease: Duration, owner: String, in db: Database
    ) throws -> RevocationRequest {
        guard let grant = try GrantTable.grant(id: grantID, in: db) else { return .notFound }
        guard grant.state.isOpen else { return .ended(grant) }
        if grant.state == .revoking, let leaseEnd = grant.dueAt, leaseEnd > now { return .inProgress(grant) }
        guard let claim = try self.lease(grantID: grantID, token: requestID, caller: caller, now: now, lease: lease, owner: owner, in: db) else {
            return .notFound
        }
        return .claimed(claim)
    }

    /// Leases one grant to the attempt `token` and records `grant_revocation_started`.
    private mutating func lease(
        grantID: String, token: String, caller: String?, now: Date, lease: Duration, owner: String, in db: Database
    ) throws -> RevocationClaim? {
        guard let grant = try GrantTable.lease(id: grantID, token: token, owner: owner, until: now.adding(lease), now: now, in: db) else {
            return nil
        }
        let event = AuditEvent(grant: grant, decision: .grantRevocationStarted, requestID: token, caller: caller ?? grant.caller, action: .disable, at: now)
        _ = try self.chain.append(event, in: db)
        return RevocationClaim(grant: grant, leaseToken: token)
    }

    mutating func claim(_ request: DeliveryClaimRequest, now: Date, in db: Database) throws -> DeliveryClaim {
        let facts = ClaimFacts(
            signatureOwner: try request.signatureDigest.flatMap { try Self.signatureOwner($0, caller: request.key.caller, now: now, in: db) },
            signedDelivery: try request.signedDeliveryKeyToCheck.flatMap { try Self.delivery($0, in: db) },
            stored: request.isFreshKey ? nil : try Self.delivery(request.key, in: db)
        )
        let plan = self.claimRule.plan(request, facts: facts, now: now)
        if let digest = request.signatureDigest, let until = plan.rememberSignatureUntil {
            try Self.remember(digest, for: request.key, until: until, in: db)
        }
        switch plan.verdict {
        case .answer(let claim):
            return claim
        case .take(let recoveredFromCrash, let since):
            if let since, let target = request.target, let later = try TargetChangeTable.completedChange(to: target, after: since, in: db) {
                return .superseded(completedBy: later)
            }
            let claim = StoredDelivery(
                fingerprint: request.fingerprint,
                requestID: request.requestID,
                claimedAt: now,
                expiresAt: now.adding(request.expiresAfter),
                response: nil,
                reopensAt: nil
            )
            try DeliveryRow(key: request.key, delivery: claim).insertReplacing(db)
            if let acceptance = request.acceptance {
                _ = try self.chain.append(acceptance, in: db)
            }
            if let opening = request.grant, try GrantTable.open(opening.grant, now: now, in: db) {
                _ = try self.chain.append(opening.event, in: db)
            }
            return .claimed(recoveredFromCrash: recoveredFromCrash)
        }
    }

    private static func delivery(_ key: DeliveryKey, in db: Database) throws -> StoredDelivery? {
        try DeliveryRow.fetch(key, in: db)?.delivery
    }

    /// The delivery id `digest` last authenticated for `caller`, or `nil` when it is unknown or expired.
    private static func signatureOwner(_ digest: String, caller: String, now: Date, in db: Database) throws -> String? {
        try DirectStatement(db, sql: "SELECT delivery_id FROM delivery_signature WHERE caller = ? AND signature_digest = ? AND expires_at > ?")
            .first([SQLValue(caller), SQLValue(digest), SQLValue(now.millisecondsSince1970)]) { row in try row.text(0) }
    }

    private static func remember(_ digest: String, for key: DeliveryKey, until expiry: Date, in db: Database) throws {
        try DirectStatement(
            db,
            sql: """
                INSERT INTO delivery_signature (caller, signature_digest, delivery_id, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (caller, signature_digest) DO UPDATE SET delivery_id = excluded.delivery_id, expires_at = excluded.expires_at
                """
        ).execute([SQLValue(key.caller), SQLValue(digest), SQLValue(key.deliveryID), SQLValue(expiry.millisecondsSince1970)])
    }

    /// Moves the claim time of `requestID`'s unanswered claim on `key`; returns whether it held one.
    static func renew(_ key: DeliveryKey, requestID: String, now: Date, in db: Database) throws -> Bool {
        let updated = try DirectStatement(
            db, sql: "UPDATE delivery SET claimed_at = ? WHERE caller = ? AND delivery_id = ? AND request_id = ? AND completed_at IS NULL"
        ).execute([SQLValue(now.millisecondsSince1970), SQLValue(key.caller), SQLValue(key.deliveryID), SQLValue(requestID)])
        return updated == 1
    }

    /// Stores `answer` if its request still holds the unanswered claim; returns whether it did.
    private static func store(_ answer: DeliveryAnswer, in db: Database) throws -> Bool {
        let response = answer.response
        let updated = try DirectStatement(
            db,
            sql: """
                UPDATE delivery SET response_status = ?, response_content_type = ?, response_body = ?, completed_at = ?, reopens_at = ?
                WHERE caller = ? AND delivery_id = ? AND request_id = ? AND completed_at IS NULL
                """
        ).execute([
            SQLValue(response.statusCode), SQLValue(response.contentType), SQLValue(response.body), SQLValue(response.completedAt.millisecondsSince1970),
            SQLValue(answer.reopensAt?.millisecondsSince1970), SQLValue(answer.key.caller), SQLValue(answer.key.deliveryID), SQLValue(response.requestID),
        ])
        return updated == 1
    }
}

/// Chains audit events after a head held in memory for the length of one transaction.
struct AuditChainWriter {
    private(set) var head: AuditHead
    private var appended = false

    init(head: AuditHead) {
        self.head = head
    }

    /// Chains `event` after the head and inserts it.
    mutating func append(_ event: AuditEvent, in db: Database) throws -> AuditRecord {
        let record = AuditRecord(appending: event, after: self.head)
        try AuditRow(record).insert(db)
        self.head = record.head
        self.appended = true
        return record
    }

    /// Moves the stored head to the last record appended, if any was.
    func storeHead(in db: Database) throws {
        guard self.appended else { return }
        try AuditTable.storeHead(self.head, in: db)
    }
}
