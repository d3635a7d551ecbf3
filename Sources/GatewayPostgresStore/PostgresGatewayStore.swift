import Foundation
import GatewayStore
import GatewayVocabulary
import Logging
import PostgresNIO
import Synchronization

/// The ``GatewayStore`` for several replicas: one PostgreSQL database shared by every gateway process.
///
/// It keeps SQLite's guarantees, decided in the database rather than in a process:
/// - Writes are grouped: concurrent writes of this process share one transaction and one commit
///   (``GroupCommitQueue``), and each returns once its commit is durable (the server's `synchronous_commit`, `on` by
///   default, must stay on).
/// - Every write transaction first locks the single `audit_head` row, so write transactions of all replicas run one
///   at a time: a claim sees every claim committed before it, the audit chain has one head, and a grant's revocation
///   is leased to one scheduler. Reads (lookups, listings, export, verification) take no lock.
/// - One change per target across replicas: ``withTargetLock(_:whileWaiting:_:)`` holds a session-level advisory
///   lock on a pooled connection for the length of the change; a process that dies loses its session and the lock.
/// - Connections come from postgres-nio's pool, with TLS as configured. A connection that cannot be had within
///   ``Configuration/connectTimeout``, or an operation still running after ``Configuration/operationTimeout`` (its
///   connection is then closed), fails with ``StoreError/unavailable`` (``BoundedWork``): the server answers
///   `store_unavailable` and acts on nothing, instead of queueing requests behind an unreachable database.
///
/// Open one store per process and share it; it is `Sendable`.
public final class PostgresGatewayStore: GatewayStore {
    let client: PostgresClient
    /// Runs the client's connection pool for the store's lifetime, so the store works the same in `serve` and in
    /// one-shot commands (`audit verify`); cancelled by ``close()``.
    private let clientTask: Task<Void, Never>
    let configuration: Configuration
    let logger: Logger
    private let writeQueue: GroupCommitQueue<PostgresWrite, Void>
    private let isClosed = Atomic(false)
    /// The bound on work long by nature (a migration, a purge after downtime, verifying a long chain): still an end, for a
    /// connection whose server vanished.
    private static let longWorkLimit: Duration = .seconds(3600)
    /// Connections target locks may hold at once: all but the writer's and one for reads.
    let lockPermits: LockPermits

    private init(client: PostgresClient, clientTask: Task<Void, Never>, configuration: Configuration) {
        self.client = client
        self.clientTask = clientTask
        self.configuration = configuration
        self.lockPermits = LockPermits(max(1, configuration.maximumConnections - 2))
        let logger = configuration.logger
        self.logger = logger
        let claimRule = ClaimRule(staleClaimAfter: configuration.staleClaimAfter)
        self.writeQueue = GroupCommitQueue(maximumBatchSize: configuration.maximumBatchSize, maximumPending: configuration.maximumQueuedWrites) {
            writes, completion in
            // Unstructured on purpose: the batch must commit or fail as a whole whatever happens to the tasks
            // waiting for it (a cancelled request still gets its audit record written).
            Task {
                let result: Result<[Void], any Error>
                do {
                    result = .success(
                        try await Self.leased(client, configuration) { connection in
                            try await PostgresWriteBatch.apply(writes, claimRule: claimRule, on: connection, logger: logger)
                        })
                } catch {
                    result = .failure(StoreError.wrappingPostgres(error))
                }
                if case .failure(let error) = result {
                    logger.error("Write batch failed", metadata: ["store.batch_size": "\(writes.count)", "error": "\(error)"])
                }
                completion(result)
            }
        }
    }

    /// Connects, migrates the schema and returns the store.
    ///
    /// - Throws: ``StoreError/invalidArgument`` for a setting out of range; ``StoreError/unavailable`` when no
    ///   connection could be made within the connect timeout (its ``StoreError/underlyingError`` says why);
    ///   another ``StoreError`` when the schema cannot be migrated.
    public static func open(configuration: Configuration) async throws -> PostgresGatewayStore {
        guard configuration.staleClaimAfter > .zero, configuration.maximumConnections > 2, configuration.maximumBatchSize > 0,
            configuration.maximumQueuedWrites > 0, configuration.exportPageSize > 0, configuration.connectTimeout > .zero, configuration.operationTimeout > .zero
        else { throw StoreError.invalidArgument }
        let client = PostgresClient(configuration: configuration.client(), backgroundLogger: configuration.logger)
        let clientTask = Task { await client.run() }
        do {
            try await Self.leased(client, configuration, limit: Self.longWorkLimit) { connection in
                try await PostgresSchema.migrate(on: connection, logger: configuration.logger)
            }
        } catch let error as StoreError where error == .unavailable && error.underlyingError == nil {
            clientTask.cancel()
            throw StoreError.unavailable(await Self.connectionFailure(configuration) ?? error)
        } catch {
            clientTask.cancel()
            throw StoreError.wrappingPostgres(error)
        }
        return PostgresGatewayStore(client: client, clientTask: clientTask, configuration: configuration)
    }

    /// Why a connection cannot be made, from one direct attempt: the pool retries in the background and keeps its
    /// errors to its log, but the operator starting the gateway needs the reason in the exit message.
    private static func connectionFailure(_ configuration: Configuration) async -> (any Error)? {
        do {
            try await PostgresConnection.connect(configuration: try configuration.connection(), id: 0, logger: configuration.logger).close()
            return nil
        } catch {
            return error
        }
    }

    /// Waits for queued writes, then closes every connection; later calls throw ``StoreError/closed``.
    public func close() async throws {
        self.isClosed.store(true, ordering: .sequentiallyConsistent)
        await self.writeQueue.close()
        self.clientTask.cancel()
        // The pool winds down once its connection attempts end; while the database is out of reach they can back
        // off for long, and a process shutting down must not wait for them. Nothing is written after the queue closed.
        let clientTask = self.clientTask
        let ended = (try? await BoundedWork.run(limit: self.configuration.connectTimeout, onExpiry: {}) { await clientTask.value }) != nil
        if !ended {
            self.logger.notice("Closed the store before its connection pool finished winding down")
        }
    }

    public var statistics: GatewayStoreStatistics {
        let committed = self.writeQueue.committed
        return GatewayStoreStatistics(batchesCommitted: committed.batches, writesCommitted: committed.items)
    }

    // MARK: Deliveries

    public func claimDelivery(_ request: DeliveryClaimRequest, now: Date) async throws -> DeliveryClaim {
        guard request.expiresAfter > .zero else { throw StoreError.invalidArgument }
        let claim = try await self.enqueue(sheddable: true) { batch in try await batch.claim(request, now: now) }
        if claim == .claimed(recoveredFromCrash: true) {
            self.logger.notice("Took over an unanswered delivery claim", metadata: ["caller": "\(request.key.caller)", "request.id": "\(request.requestID)"])
        }
        return claim
    }

    public func renewDeliveryClaim(_ key: DeliveryKey, requestID: String, now: Date) async throws -> Bool {
        try await self.enqueue { batch in try await batch.renew(key, requestID: requestID, now: now) }
    }

    public func recordOutcome(
        _ event: AuditEvent, answering answer: DeliveryAnswer?, grant: GrantChange?, callback: CallbackEvent?, reply: CallbackEvent?
    ) async throws -> RecordedOutcome {
        try await self.enqueue { batch in try await batch.recordOutcome(event, answer: answer, grant: grant, callback: callback, reply: reply) }
    }

    public func purgeExpiredDeliveries(now: Date) async throws -> Int {
        let cutoff = now.millisecondsSince1970
        let purged = try await self.withConnection(limit: Self.longWorkLimit) { connection in
            try await PostgresTransaction.run(on: connection, logger: self.logger) { connection in
                try await connection.query("DELETE FROM delivery_signature WHERE expires_at <= \(cutoff)", logger: self.logger)
                return try await connection.query("DELETE FROM delivery WHERE expires_at <= \(cutoff) RETURNING 1", logger: self.logger).count()
            }
        }
        self.logger.debug("Purged expired deliveries", metadata: ["deliveries.purged": "\(purged)"])
        return purged
    }

    public func storedResponse(requestID: String, caller: String) async throws -> StoredResponse? {
        try await self.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: PostgresRows.deliveryColumns) FROM delivery
                WHERE caller = \(caller) AND request_id = \(requestID) AND completed_at IS NOT NULL ORDER BY completed_at DESC LIMIT 1
                """,
                logger: self.logger
            )
            for try await row in rows { return try PostgresRows.storedDelivery(row).response }
            return nil
        }
    }

    // MARK: Audit

    public func appendAudit(_ event: AuditEvent) async throws -> AuditRecord {
        try await self.enqueue { batch in try await batch.append(event) }
    }

    public func auditHead() async throws -> AuditHead {
        try await self.withConnection { connection in try await Self.head(on: connection, logger: self.logger) }
    }

    public func auditRecords(since: Date?, afterSequence: Int?) -> AsyncThrowingStream<AuditRecord, any Error> {
        let since = since?.millisecondsSince1970
        let pager = AuditRecordPager(afterSequence: afterSequence ?? 0, pageSize: self.configuration.exportPageSize) { after, limit in
            try await self.withConnection { connection in
                var records: [AuditRecord] = []
                for try await row in try await connection.query(
                    """
                    SELECT \(unescaped: PostgresRows.auditColumns) FROM audit
                    WHERE sequence > \(after) AND (\(since)::bigint IS NULL OR occurred_at >= \(since)) ORDER BY sequence LIMIT \(limit)
                    """,
                    logger: self.logger
                ) {
                    records.append(try PostgresRows.auditRecord(row))
                }
                return records
            }
        }
        return pager.records
    }

    /// Streams the chain in one repeatable-read transaction: a consistent snapshot while replicas keep appending,
    /// one row in memory at a time.
    public func verifyAuditChain(anchor: AuditHead?) async throws -> AuditVerification {
        try await self.withConnection(limit: Self.longWorkLimit) { connection in
            try await PostgresTransaction.run(on: connection, isolation: "REPEATABLE READ READ ONLY", logger: self.logger) { connection in
                var verifier = AuditChainVerifier(anchor: anchor)
                for try await row in try await connection.query("SELECT \(unescaped: PostgresRows.auditColumns) FROM audit ORDER BY sequence", logger: self.logger) {
                    let record: AuditRecord
                    do {
                        record = try PostgresRows.auditRecord(row)
                    } catch {
                        return .broken(atSequence: try row.decode(Int.self), reason: .unreadableRecord)
                    }
                    if let broken = verifier.check(record) { return broken }
                }
                return verifier.finish(head: try await Self.head(on: connection, logger: self.logger))
            }
        }
    }

    private static func head(on connection: PostgresConnection, logger: Logger) async throws -> AuditHead {
        guard let (sequence, hash) = try await connection.query("SELECT sequence, hash FROM audit_head WHERE id = 1", logger: logger).first((Int, String).self) else {
            throw StoreError.corruptedData
        }
        return AuditHead(sequence: sequence, hash: hash)
    }

    // MARK: Grants

    public func grant(id: String) async throws -> Grant? {
        try await self.withConnection { connection in try await PostgresGrantReads.grant(id: id, on: connection, logger: self.logger) }
    }

    public func openGrant(kind: TargetKind, id: Int) async throws -> Grant? {
        try await self.withConnection { connection in try await PostgresGrantReads.openGrant(kind: kind, id: id, on: connection, logger: self.logger) }
    }

    public func grants(matching query: GrantQuery, isVisible: @escaping @Sendable (Grant) -> Bool) async throws -> [Grant] {
        guard query.limit > 0 else { throw StoreError.invalidArgument }
        return try await self.withConnection { connection in
            try await PostgresGrantReads.grants(matching: query, isVisible: isVisible, on: connection, logger: self.logger)
        }
    }

    public func nextRevocationDue() async throws -> Date? {
        try await self.earliest("SELECT MIN(due_at) FROM access_grant WHERE due_at IS NOT NULL")
    }

    public func claimDueRevocations(now: Date, limit: Int, lease: Duration, owner: String) async throws -> [RevocationClaim] {
        guard limit > 0, lease > .zero else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch in try await batch.claimDueRevocations(now: now, limit: limit, lease: lease, owner: owner) }
    }

    public func claimRevocation(grantID: String, requestID: String, caller: String, now: Date, lease: Duration, owner: String) async throws -> RevocationRequest {
        guard lease > .zero else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch in
            try await batch.claimRevocation(grantID: grantID, requestID: requestID, caller: caller, now: now, lease: lease, owner: owner)
        }
    }

    public func ensureOpenGrant(_ opening: GrantOpening, now: Date) async throws -> Grant? {
        try await self.enqueue { batch in try await batch.ensureOpenGrant(opening, now: now) }
    }

    public func renewRevocationLease(grantID: String, token: String, until: Date) async throws -> Bool {
        try await self.enqueue { batch in try await batch.renewLease(grantID: grantID, token: token, until: until) }
    }

    public func completeRevocation(_ completion: RevocationCompletion, now: Date) async throws -> Grant? {
        try await self.enqueue { batch in try await batch.completeRevocation(completion, now: now) }
    }

    public func releaseRevocationLeases(owner: String, now: Date) async throws -> Int {
        try await self.enqueue { batch in try await batch.releaseLeases(owner: owner, now: now) }
    }

    // MARK: Callback outbox

    public func enqueueCallback(_ event: CallbackEvent) async throws {
        try await self.enqueue { batch in try await batch.enqueueCallback(event, now: Date()) }
    }

    public func claimDueCallbacks(now: Date, limit: Int, lease: Duration) async throws -> [CallbackDelivery] {
        guard limit > 0, lease > .zero else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch in try await batch.claimDueCallbacks(now: now, limit: limit, until: now.adding(lease)) }
    }

    public func completeCallback(id: String, result: CallbackResult) async throws {
        try await self.enqueue { batch in try await batch.completeCallback(id: id, result: result) }
    }

    public func nextCallbackDue() async throws -> Date? {
        try await self.earliest("SELECT MIN(due_at) FROM callback_outbox")
    }

    // MARK: Access

    /// Queues `write` in the group commit and returns its result once its batch committed.
    func enqueue<Value: Sendable>(sheddable: Bool = false, _ write: @escaping @Sendable (PostgresWriteBatch) async throws -> Value) async throws -> Value {
        guard !self.isClosed.load(ordering: .sequentiallyConsistent) else { throw StoreError.closed }
        let result = Mutex<Value?>(nil)
        try await self.writeQueue.append(PostgresWrite { batch in
            let value = try await write(batch)
            result.withLock { $0 = value }
        }, sheddable: sheddable)
        guard let value = result.withLock({ $0.take() }) else { throw StoreError.databaseFailure }
        return value
    }

    /// Runs `body` on a pooled connection, mapping failures to ``StoreError``.
    ///
    /// - Parameter limit: how long `body` may run; the operation timeout unless the work is long by nature (a
    ///   purge after downtime, a verification of the whole chain).
    func withConnection<T: Sendable>(
        limit: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        guard !self.isClosed.load(ordering: .sequentiallyConsistent) else { throw StoreError.closed }
        do {
            return try await Self.leased(self.client, self.configuration, limit: limit, body)
        } catch {
            throw StoreError.wrappingPostgres(error)
        }
    }

    func earliest(_ sql: PostgresQuery) async throws -> Date? {
        try await self.withConnection { connection in
            let earliest: Int64?? = try await connection.query(sql, logger: self.logger).first(Int64?.self)
            return earliest.flatMap { $0 }.map(Date.init(millisecondsSince1970:))
        }
    }

    /// Runs `body` on a pooled connection, within the connect timeout for the lease and the operation timeout for
    /// the work (``BoundedWork``); either expiring throws ``StoreError/unavailable``.
    static func leased<T: Sendable>(
        _ client: PostgresClient, _ configuration: Configuration, limit: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let lease = try await ConnectionLease.obtain(from: client, within: configuration.connectTimeout)
        defer { lease.release() }
        return try await lease.run(within: limit ?? configuration.operationTimeout, body)
    }
}
