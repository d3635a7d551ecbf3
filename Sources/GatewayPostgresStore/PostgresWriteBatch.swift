import Foundation
import GatewayStore
import GatewayVocabulary
import Logging
import PostgresNIO

/// One write transaction of the group commit: every queued write of a batch runs on one connection in one
/// transaction, in order, and commits with one `COMMIT` (one WAL flush with `synchronous_commit = on`).
///
/// The transaction first locks the `audit_head` row. That lock is what makes several replicas correct on one
/// database: their write transactions run one after another, so a claim decided here sees every claim committed
/// before it, whichever replica made it, two schedulers never lease one grant, and the audit chain stays one
/// chain (the head is read under the lock and moved once per batch).
final class PostgresWriteBatch {
    let connection: PostgresConnection
    let logger: Logger
    private let claimRule: ClaimRule
    private var head: AuditHead
    /// The records appended in this batch, inserted together before the head moves: nothing in a batch reads the
    /// trail back, and one statement for all of them saves two round trips per request.
    private var appended: [AuditRecord] = []

    private init(connection: PostgresConnection, logger: Logger, claimRule: ClaimRule, head: AuditHead) {
        self.connection = connection
        self.logger = logger
        self.claimRule = claimRule
        self.head = head
    }

    /// Runs `writes` in one transaction and moves the audit head; all commit or none.
    static func apply(
        _ writes: [PostgresWrite], claimRule: ClaimRule, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Void] {
        try await PostgresTransaction.run(on: connection, logger: logger) { connection in
            let row = try await connection.query("SELECT sequence, hash FROM audit_head WHERE id = 1 FOR UPDATE", logger: logger)
                .first((Int, String).self)
            guard let (sequence, hash) = row else { throw StoreError.corruptedData }
            let batch = PostgresWriteBatch(connection: connection, logger: logger, claimRule: claimRule, head: AuditHead(sequence: sequence, hash: hash))
            for write in writes { try await write.apply(batch) }
            if !batch.appended.isEmpty {
                try await PostgresRows.insert(batch.appended, on: connection, logger: logger)
                try await connection.query("UPDATE audit_head SET sequence = \(batch.head.sequence), hash = \(batch.head.hash) WHERE id = 1", logger: logger)
            }
            return writes.map { _ in () }
        }
    }

    // MARK: Audit

    /// Chains `event` after the head; it is inserted with the batch's other records when the batch ends.
    @discardableResult
    func append(_ event: AuditEvent) async throws -> AuditRecord {
        let record = AuditRecord(appending: event, after: self.head)
        self.head = record.head
        self.appended.append(record)
        return record
    }

    // MARK: Deliveries

    /// ``DeliveryStore/claimDelivery(_:now:)``.
    func claim(_ request: DeliveryClaimRequest, now: Date) async throws -> DeliveryClaim {
        let caller = request.key.caller
        var signatureOwner: String?
        if let digest = request.signatureDigest {
            signatureOwner = try await self.query(
                "SELECT delivery_id FROM delivery_signature WHERE caller = \(caller) AND signature_digest = \(digest) AND expires_at > \(now.millisecondsSince1970)"
            ).first(String.self)
        }
        let facts = ClaimFacts(
            signatureOwner: signatureOwner,
            signedDelivery: try await request.signedDeliveryKeyToCheck.asyncMap { try await self.delivery($0) },
            stored: request.isFreshKey ? nil : try await self.delivery(request.key)
        )
        let plan = self.claimRule.plan(request, facts: facts, now: now)
        if let digest = request.signatureDigest, let until = plan.rememberSignatureUntil {
            try await self.query(
                """
                INSERT INTO delivery_signature (caller, signature_digest, delivery_id, expires_at)
                VALUES (\(caller), \(digest), \(request.key.deliveryID), \(until.millisecondsSince1970))
                ON CONFLICT (caller, signature_digest) DO UPDATE SET delivery_id = excluded.delivery_id, expires_at = excluded.expires_at
                """
            )
        }
        switch plan.verdict {
        case .answer(let claim):
            return claim
        case .take(let recoveredFromCrash, let since):
            if let since, let target = request.target {
                let later = try await self.query(
                    """
                    SELECT request_id FROM target_change WHERE target_kind = \(target.kind.rawValue) AND target_id = \(String(target.id))
                    AND completed_at > \(since.millisecondsSince1970)
                    """
                ).first(String.self)
                if let later { return .superseded(completedBy: later) }
            }
            try await self.query(
                """
                INSERT INTO delivery (caller, delivery_id, fingerprint, request_id, claimed_at, expires_at)
                VALUES (\(caller), \(request.key.deliveryID), \(request.fingerprint), \(request.requestID), \(now.millisecondsSince1970),
                    \(now.adding(request.expiresAfter).millisecondsSince1970))
                ON CONFLICT (caller, delivery_id) DO UPDATE SET fingerprint = excluded.fingerprint, request_id = excluded.request_id,
                    claimed_at = excluded.claimed_at, expires_at = excluded.expires_at, response_status = NULL, response_content_type = NULL,
                    response_body = NULL, completed_at = NULL, reopens_at = NULL
                """
            )
            if let acceptance = request.acceptance {
                try await self.append(acceptance)
            }
            if let opening = request.grant, try await self.open(opening.grant, now: now) {
                try await self.append(opening.event)
            }
            return .claimed(recoveredFromCrash: recoveredFromCrash)
        }
    }

    private func delivery(_ key: DeliveryKey) async throws -> StoredDelivery? {
        let rows = try await self.query(
            "SELECT \(unescaped: PostgresRows.deliveryColumns) FROM delivery WHERE caller = \(key.caller) AND delivery_id = \(key.deliveryID)"
        )
        for try await row in rows { return try PostgresRows.storedDelivery(row) }
        return nil
    }

    /// ``DeliveryStore/renewDeliveryClaim(_:requestID:now:)``.
    func renew(_ key: DeliveryKey, requestID: String, now: Date) async throws -> Bool {
        try await self.changed(
            """
            UPDATE delivery SET claimed_at = \(now.millisecondsSince1970)
            WHERE caller = \(key.caller) AND delivery_id = \(key.deliveryID) AND request_id = \(requestID) AND completed_at IS NULL RETURNING 1
            """
        )
    }

    /// ``DeliveryStore/recordOutcome(_:answering:grant:callback:reply:)``.
    func recordOutcome(
        _ event: AuditEvent, answer: DeliveryAnswer?, grant: GrantChange?, callback: CallbackEvent?, reply: CallbackEvent?
    ) async throws -> RecordedOutcome {
        let record = try await self.append(event)
        try await self.noteCompletedChange(event)
        var stored = false
        if let answer {
            let response = answer.response
            stored = try await self.changed(
                """
                UPDATE delivery SET response_status = \(response.statusCode), response_content_type = \(response.contentType),
                    response_body = \(response.body), completed_at = \(response.completedAt.millisecondsSince1970),
                    reopens_at = \(answer.reopensAt?.millisecondsSince1970)
                WHERE caller = \(answer.key.caller) AND delivery_id = \(answer.key.deliveryID) AND request_id = \(response.requestID)
                    AND completed_at IS NULL
                RETURNING 1
                """
            )
        }
        var grantChanged = false
        if let grant, try await self.apply(grant, now: event.occurredAt) {
            try await self.append(grant.event)
            grantChanged = true
        }
        if let callback, grant == nil || grantChanged {
            try await self.insert(callback, now: event.occurredAt)
        }
        if let reply {
            try await self.insert(reply, now: event.occurredAt)
        }
        return RecordedOutcome(record: record, answerStored: stored, grantChanged: grantChanged)
    }

    /// Records `event` as its target's latest completed change, if it is one.
    private func noteCompletedChange(_ event: AuditEvent) async throws {
        guard let (kind, id) = event.completedChangeTarget else { return }
        try await self.query(
            """
            INSERT INTO target_change (target_kind, target_id, request_id, completed_at)
            VALUES (\(kind.rawValue), \(id), \(event.requestID), \(event.occurredAt.millisecondsSince1970))
            ON CONFLICT (target_kind, target_id) DO UPDATE SET request_id = excluded.request_id, completed_at = excluded.completed_at
            WHERE excluded.completed_at >= target_change.completed_at
            """
        )
    }

    // MARK: Grants

    /// Inserts `grant` unless its target already has an open grant; returns whether it did.
    func open(_ grant: Grant, now: Date) async throws -> Bool {
        try await self.changed(
            """
            INSERT INTO access_grant (id, target_kind, target_id, caller, ticket, requested_by, request_id, starts_at, expires_at, state,
                due_at, updated_at)
            VALUES (\(grant.id), \(grant.targetKind.rawValue), \(grant.targetID), \(grant.caller), \(grant.ticket), \(grant.requestedBy),
                \(grant.requestID), \(grant.startsAt.millisecondsSince1970), \(grant.expiresAt.millisecondsSince1970), 'active',
                \(grant.expiresAt.millisecondsSince1970), \(now.millisecondsSince1970))
            ON CONFLICT DO NOTHING
            RETURNING 1
            """
        )
    }

    /// Applies an answered action's change to an open grant; returns whether the grant was still open.
    private func apply(_ change: GrantChange, now: Date) async throws -> Bool {
        let at = now.millisecondsSince1970
        switch change.kind {
        case .extend(let expiresAt):
            // A running attempt loses its lease (its completion then changes nothing); a failed one is re-armed.
            let until = expiresAt.millisecondsSince1970
            return try await self.changed(
                """
                UPDATE access_grant SET expires_at = GREATEST(expires_at, \(until)), due_at = GREATEST(expires_at, \(until)), state = 'active',
                    lease_owner = NULL, lease_token = NULL, extensions = extensions + 1, revoke_attempts = 0, last_error_code = NULL, updated_at = \(at)
                WHERE id = \(change.grantID) AND state IN ('active', 'revoking', 'revoke_failed') RETURNING 1
                """
            )
        case .cancel:
            // Only a grant nobody extended: an extension means another request enabled the target too.
            return try await self.end(change.grantID, state: "cancelled", endedBy: nil, at: at, onlyUnextended: true)
        case .end(let endedBy):
            return try await self.end(change.grantID, state: "revoked", endedBy: endedBy, at: at, onlyUnextended: false)
        }
    }

    private func end(_ grantID: String, state: String, endedBy: String?, at: Int64, onlyUnextended: Bool) async throws -> Bool {
        try await self.changed(
            """
            UPDATE access_grant SET state = \(state), ended_at = \(at), ended_by = \(endedBy), due_at = NULL, lease_owner = NULL,
                lease_token = NULL, updated_at = \(at)
            WHERE id = \(grantID) AND state IN ('active', 'revoking', 'revoke_failed') AND (NOT \(onlyUnextended) OR extensions = 0)
            RETURNING 1
            """
        )
    }

    /// ``GrantStore/claimDueRevocations(now:limit:lease:owner:)``.
    func claimDueRevocations(now: Date, limit: Int, lease: Duration, owner: String) async throws -> [RevocationClaim] {
        var ids: [String] = []
        for try await id in try await self.query(
            "SELECT id FROM access_grant WHERE due_at IS NOT NULL AND due_at <= \(now.millisecondsSince1970) ORDER BY due_at LIMIT \(limit)"
        ).decode(String.self) {
            ids.append(id)
        }
        var claims: [RevocationClaim] = []
        for id in ids {
            let token = TimeOrderedID.make(prefix: "req_", now: now)
            if let claim = try await self.lease(grantID: id, token: token, caller: nil, now: now, lease: lease, owner: owner) {
                claims.append(claim)
            }
        }
        return claims
    }

    /// ``GrantStore/claimRevocation(grantID:requestID:caller:now:lease:owner:)``.
    func claimRevocation(grantID: String, requestID: String, caller: String, now: Date, lease: Duration, owner: String) async throws -> RevocationRequest {
        guard let grant = try await self.grant(id: grantID) else { return .notFound }
        guard grant.state.isOpen else { return .ended(grant) }
        if grant.state == .revoking, let leaseEnd = grant.dueAt, leaseEnd > now { return .inProgress(grant) }
        guard let claim = try await self.lease(grantID: grantID, token: requestID, caller: caller, now: now, lease: lease, owner: owner) else {
            return .notFound
        }
        return .claimed(claim)
    }

    /// Leases one open grant to the attempt `token` until the lease's end (also when it falls due again), and
    /// records `grant_revocation_started`.
    private func lease(grantID: String, token: String, caller: String?, now: Date, lease: Duration, owner: String) async throws -> RevocationClaim? {
        let rows = try await self.query(
            """
            UPDATE access_grant SET state = 'revoking', lease_owner = \(owner), lease_token = \(token),
                due_at = \(now.adding(lease).millisecondsSince1970), revoke_attempts = revoke_attempts + 1, updated_at = \(now.millisecondsSince1970)
            WHERE id = \(grantID) AND state IN ('active', 'revoking', 'revoke_failed')
            RETURNING \(unescaped: PostgresRows.grantColumns)
            """
        )
        var leased: Grant?
        for try await row in rows { leased = try PostgresRows.grant(row) }
        guard let grant = leased else { return nil }
        try await self.append(AuditEvent(grant: grant, decision: .grantRevocationStarted, requestID: token, caller: caller ?? grant.caller, action: .disable, at: now))
        return RevocationClaim(grant: grant, leaseToken: token)
    }

    /// ``GrantStore/ensureOpenGrant(_:now:)``.
    func ensureOpenGrant(_ opening: GrantOpening, now: Date) async throws -> Grant? {
        if try await self.open(opening.grant, now: now) {
            try await self.append(opening.event)
        }
        return try await PostgresGrantReads.openGrant(kind: opening.grant.targetKind, id: opening.grant.targetID, on: self.connection, logger: self.logger)
    }

    /// ``GrantStore/renewRevocationLease(grantID:token:until:)``.
    func renewLease(grantID: String, token: String, until: Date) async throws -> Bool {
        try await self.changed(
            """
            UPDATE access_grant SET due_at = \(until.millisecondsSince1970) WHERE id = \(grantID) AND lease_token = \(token) AND state = 'revoking'
            RETURNING 1
            """
        )
    }

    /// ``GrantStore/completeRevocation(_:now:)``.
    func completeRevocation(_ completion: RevocationCompletion, now: Date) async throws -> Grant? {
        let at = now.millisecondsSince1970
        let changed: Bool
        switch completion.result {
        case .revoked(let endedBy):
            changed = try await self.changed(
                """
                UPDATE access_grant SET state = 'revoked', ended_at = \(at), ended_by = \(endedBy), due_at = NULL, lease_owner = NULL,
                    lease_token = NULL, last_error_code = NULL, updated_at = \(at)
                WHERE id = \(completion.grantID) AND lease_token = \(completion.leaseToken) AND state = 'revoking' RETURNING 1
                """
            )
        case .retry(let retryAt, let errorCode):
            changed = try await self.changed(
                """
                UPDATE access_grant SET state = 'active', due_at = \(retryAt.millisecondsSince1970), last_error_code = \(errorCode.rawValue),
                    lease_owner = NULL, lease_token = NULL, updated_at = \(at)
                WHERE id = \(completion.grantID) AND lease_token = \(completion.leaseToken) AND state = 'revoking' RETURNING 1
                """
            )
        case .failed(let errorCode):
            changed = try await self.changed(
                """
                UPDATE access_grant SET state = 'revoke_failed', due_at = NULL, last_error_code = \(errorCode.rawValue), lease_owner = NULL,
                    lease_token = NULL, updated_at = \(at)
                WHERE id = \(completion.grantID) AND lease_token = \(completion.leaseToken) AND state = 'revoking' RETURNING 1
                """
            )
        }
        var event = completion.event
        if !changed { event.decision = .grantRevocationSuperseded }
        try await self.append(event)
        try await self.noteCompletedChange(event)
        guard changed else { return nil }
        if let callback = completion.callback {
            try await self.insert(callback, now: now)
        }
        return try await self.grant(id: completion.grantID)
    }

    /// ``GrantStore/releaseRevocationLeases(owner:now:)``.
    func releaseLeases(owner: String, now: Date) async throws -> Int {
        try await self.query(
            """
            UPDATE access_grant SET state = 'active', due_at = \(now.millisecondsSince1970), lease_owner = NULL, lease_token = NULL,
                updated_at = \(now.millisecondsSince1970)
            WHERE state = 'revoking' AND lease_owner = \(owner) RETURNING 1
            """
        ).count()
    }

    private func grant(id: String) async throws -> Grant? {
        try await PostgresGrantReads.grant(id: id, on: self.connection, logger: self.logger)
    }

    // MARK: Callback outbox

    /// ``CallbackOutboxStore/enqueueCallback(_:)``: `event`, due at `now`.
    func enqueueCallback(_ event: CallbackEvent, now: Date) async throws {
        try await self.insert(event, now: now)
    }

    /// Puts `callback` in the outbox, due at `now`, inside this transaction.
    func insert(_ callback: CallbackEvent, now: Date) async throws {
        try await self.query(
            """
            INSERT INTO callback_outbox (id, caller, body, destination, url, created_at, due_at)
            VALUES (\(callback.id), \(callback.caller), \(callback.body), \(callback.destination.kind), \(callback.destination.url),
                \(now.millisecondsSince1970), \(now.millisecondsSince1970))
            """
        )
    }

    /// ``CallbackOutboxStore/claimDueCallbacks(now:limit:lease:)``: the due events, oldest first, each moved to the
    /// lease's end with its attempt counted.
    func claimDueCallbacks(now: Date, limit: Int, until: Date) async throws -> [CallbackDelivery] {
        let rows = try await self.query(
            """
            UPDATE callback_outbox SET due_at = \(until.millisecondsSince1970), attempts = attempts + 1
            WHERE seq IN (SELECT seq FROM callback_outbox WHERE due_at <= \(now.millisecondsSince1970) ORDER BY due_at, seq LIMIT \(limit))
            RETURNING seq, id, caller, body, attempts, destination, url
            """
        )
        var claimed: [(Int64, CallbackDelivery)] = []
        for try await (seq, id, caller, body, attempts, kind, url) in rows.decode((Int64, String, String, Data, Int, String, String?).self) {
            let event = CallbackEvent(id: id, caller: caller, body: body, destination: try CallbackEvent.Destination(kind: kind, url: url))
            claimed.append((seq, CallbackDelivery(event: event, attempt: attempts)))
        }
        return claimed.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// ``CallbackOutboxStore/completeCallback(id:result:)``.
    func completeCallback(id: String, result: CallbackResult) async throws {
        switch result {
        case .delivered, .abandoned:
            try await self.query("DELETE FROM callback_outbox WHERE id = \(id)")
        case .retry(let at):
            try await self.query("UPDATE callback_outbox SET due_at = \(at.millisecondsSince1970) WHERE id = \(id)")
        }
    }

    // MARK: Statements

    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await self.connection.query(query, logger: self.logger)
    }

    /// Runs an `… RETURNING 1` statement and tells whether it changed a row.
    func changed(_ query: PostgresQuery) async throws -> Bool {
        try await !self.query(query).isEmpty()
    }
}

/// One queued write: an operation on the batch, its result handed back by the store once the batch committed.
struct PostgresWrite: Sendable {
    let apply: @Sendable (PostgresWriteBatch) async throws -> Void
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
