import Dispatch
import Foundation
import GatewayVocabulary
import GRDB
import Logging
import Synchronization

/// The embedded ``GatewayStore``: one SQLite file through a GRDB `DatabasePool`.
///
/// - WAL journal, so lookups, exports and verification read a consistent snapshot while the single writer
///   works; writes are serialized by the pool (and `BEGIN IMMEDIATE` across processes).
/// - `PRAGMA synchronous = FULL` on the writer: in WAL mode every commit fsyncs the log before returning,
///   so a committed claim, answer or audit record survives SIGKILL and power loss.
/// - A busy timeout, foreign keys on, the schema migrated by `DatabaseMigrator` on open.
/// - Writes run to completion even when the calling task is cancelled, so a caller is never told "cancelled"
///   about a change that did commit; reads honour cancellation.
///
/// Open one store per file per process and share it; it is `Sendable`.
public final class SQLiteGatewayStore: GatewayStore {
    /// The connections; internal so tests can inspect pragmas.
    let pool: DatabasePool
    private let exportPageSize: Int
    private let logger: Logger
    private let writeQueue: GroupCommitQueue<StoreWrite, Void>
    private let isClosed = Atomic(false)

    private init(pool: DatabasePool, configuration: Configuration) {
        self.pool = pool
        self.exportPageSize = configuration.exportPageSize
        let logger = configuration.logger
        self.logger = logger
        let claimRule = ClaimRule(staleClaimAfter: configuration.staleClaimAfter)
        self.writeQueue = GroupCommitQueue(maximumBatchSize: configuration.maximumBatchSize, maximumPending: configuration.maximumQueuedWrites) {
            writes, completion in
            pool.asyncWrite({ db in try WriteBatch.apply(writes, claimRule: claimRule, in: db) }) { _, result in
                let result = result.mapError(StoreError.wrapping)
                if case .failure(let error) = result {
                    logger.error("Write batch failed", metadata: ["store.batch_size": "\(writes.count)", "error": "\(error)"])
                }
                completion(result)
            }
        }
    }

    /// Opens (creating if needed) the store at `path` and migrates its schema.
    ///
    /// The directory must exist; keep it private to the gateway's user, since the file holds callers' answers.
    /// The file and SQLite's side files are created (or narrowed) to mode 0600.
    ///
    /// - Throws: ``StoreError/invalidArgument`` for a configuration value out of range, otherwise a
    ///   ``StoreError`` for a file that cannot be opened or migrated.
    public static func open(path: String, configuration: Configuration = Configuration()) async throws -> SQLiteGatewayStore {
        guard configuration.staleClaimAfter > .zero, configuration.busyTimeout >= .zero, configuration.maximumBatchSize > 0,
            configuration.maximumQueuedWrites > 0, configuration.exportPageSize > 0, configuration.maximumReaderCount > 0
        else { throw StoreError.invalidArgument }
        let pool = try await Self.blocking { try Self.openPool(path: path, configuration: configuration) }
        return SQLiteGatewayStore(pool: pool, configuration: configuration)
    }

    /// Runs blocking file I/O (opening, migrating, closing) on a dispatch queue, off the cooperative thread pool.
    private static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result(catching: work).mapError(StoreError.wrapping))
            }
        }
    }

    private static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        // Created 0600 before SQLite opens it, so the file and its -wal and -shm files are never world-readable.
        try PrivateFile.prepare(path: path, suffixes: ["-wal", "-shm"])
        var options = GRDB.Configuration()
        options.label = "segura-gateway.store"
        options.foreignKeysEnabled = true
        options.busyMode = .timeout(Double(configuration.busyTimeout.wholeMilliseconds) / 1000)
        options.maximumReaderCount = configuration.maximumReaderCount
        let pool = try DatabasePool(path: path, configuration: options)
        // GRDB sets `synchronous = NORMAL` on the writer when it enables WAL, after `prepareDatabase` ran, so
        // FULL is set here, on the pool's one writer connection, where it stays for the pool's lifetime.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try SQLiteSchema.migrator.migrate(pool)
        return pool
    }

    /// Waits for queued writes, then closes every connection; later calls throw ``StoreError/closed``.
    public func close() async throws {
        self.isClosed.store(true, ordering: .sequentiallyConsistent)
        await self.writeQueue.close()
        try await Self.blocking { [pool] in try pool.close() }
    }

    // MARK: Deliveries

    public func claimDelivery(_ request: DeliveryClaimRequest, now: Date) async throws -> DeliveryClaim {
        guard request.expiresAfter > .zero else { throw StoreError.invalidArgument }
        let claim = try await self.enqueue(sheddable: true) { batch, db in try batch.claim(request, now: now, in: db) }
        if claim == .claimed(recoveredFromCrash: true) {
            self.logger.notice(
                "Took over an unanswered delivery claim", metadata: ["caller": "\(request.key.caller)", "request.id": "\(request.requestID)"]
            )
        }
        return claim
    }

    public func renewDeliveryClaim(_ key: DeliveryKey, requestID: String, now: Date) async throws -> Bool {
        try await self.enqueue { _, db in try WriteBatch.renew(key, requestID: requestID, now: now, in: db) }
    }

    public func recordOutcome(
        _ event: AuditEvent, answering answer: DeliveryAnswer?, grant: GrantChange?, callback: CallbackEvent?, reply: CallbackEvent?
    ) async throws -> RecordedOutcome {
        try await self.enqueue { batch, db in try batch.recordOutcome(event, answer: answer, grant: grant, callback: callback, reply: reply, in: db) }
    }

    public func purgeExpiredDeliveries(now: Date) async throws -> Int {
        let purged = try await self.write { db in
            try db.execute(
                sql: "DELETE FROM delivery_signature WHERE expires_at <= ?", arguments: [now.millisecondsSince1970]
            )
            return try DeliveryRow.filter(DeliveryRow.Columns.expiresAt <= now.millisecondsSince1970).deleteAll(db)
        }
        self.logger.debug("Purged expired deliveries", metadata: ["deliveries.purged": "\(purged)"])
        return purged
    }

    public func storedResponse(requestID: String, caller: String) async throws -> StoredResponse? {
        try await self.read { db in
            try DeliveryRow.fetchAnswered(requestID: requestID, caller: caller, in: db)?.delivery.response
        }
    }

    // MARK: Audit

    public func appendAudit(_ event: AuditEvent) async throws -> AuditRecord {
        try await self.enqueue { batch, db in try batch.appendAudit(event, in: db) }
    }

    public func auditHead() async throws -> AuditHead {
        guard let head = try await self.read(AuditTable.head) else { throw StoreError.corruptedData }
        return head
    }

    public func auditRecords(since: Date?, afterSequence: Int?) -> AsyncThrowingStream<AuditRecord, any Error> {
        let pager = AuditRecordPager(afterSequence: afterSequence ?? 0, pageSize: self.exportPageSize) { after, limit in
            try await self.read { db in try AuditTable.page(afterSequence: after, since: since, limit: limit, in: db) }
        }
        return pager.records
    }

    public func verifyAuditChain(anchor: AuditHead?) async throws -> AuditVerification {
        // One read transaction: a consistent snapshot even while appends continue.
        try await self.read { db in try AuditTable.verify(anchor: anchor, in: db) }
    }

    /// One process per file: the server's own per-target serializer is the whole lock, so `body` runs at once.
    public func withTargetLock<T: Sendable>(_ target: Target, whileWaiting: (@Sendable () async -> Void)?, _ body: () async throws -> T) async throws -> T {
        try await body()
    }

    public var statistics: GatewayStoreStatistics {
        let committed = self.writeQueue.committed
        return GatewayStoreStatistics(batchesCommitted: committed.batches, writesCommitted: committed.items)
    }

    // MARK: Access

    /// Queues `write` in the group commit and returns its result once its batch committed.
    ///
    /// - Parameter sheddable: whether the write may be refused with ``StoreError/overloaded`` when the queue is
    ///   full (a claim, before anything was done).
    func enqueue<Value: Sendable>(sheddable: Bool = false, _ write: @escaping @Sendable (inout WriteBatch, Database) throws -> Value) async throws -> Value {
        let result = WriteResult<Value>()
        try await self.writeQueue.append(StoreWrite { batch, db in result.store(try write(&batch, db)) }, sheddable: sheddable)
        return try result.committed()
    }

    /// Runs `updates` in a write transaction that the caller's cancellation cannot abandon halfway: GRDB's
    /// callback API does not observe task cancellation, so the caller always learns whether it committed.
    private func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result = await withCheckedContinuation { continuation in
            self.pool.asyncWrite(updates) { _, result in continuation.resume(returning: result) }
        }
        return try result.mapError(self.storeError).get()
    }

    /// Runs `value` in a read transaction (a WAL snapshot), with errors mapped to ``StoreError``.
    func read<T: Sendable>(_ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await self.pool.read(value)
        } catch {
            throw self.storeError(error)
        }
    }

    /// ``StoreError/closed`` for any failure after ``close()`` (GRDB's "connection is closed"), else the mapped error.
    private func storeError(_ error: any Error) -> any Error {
        self.isClosed.load(ordering: .sequentiallyConsistent) ? StoreError.closed : StoreError.wrapping(error)
    }
}

extension StoreError {
    /// Maps a GRDB error onto a store error that prints no SQL; store errors and cancellation pass through.
    static func wrapping(_ error: any Error) -> any Error {
        switch error {
        case is StoreError, is CancellationError:
            return error
        case is RowDecodingError:
            return StoreError.corruptedData(error)
        case let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED:
            return StoreError.busy(error)
        case let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT || error.resultCode == .SQLITE_CORRUPT:
            return StoreError.corruptedData(error)
        default:
            return StoreError.databaseFailure(error)
        }
    }
}

/// Where a queued write leaves its result until its batch commits.
private final class WriteResult<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    func store(_ value: Value) {
        self.value.withLock { $0 = value }
    }

    /// The result; the queue returns only after the batch applied every write it holds, so one is there.
    func committed() throws -> Value {
        guard let value = self.value.withLock({ $0.take() }) else { throw StoreError.databaseFailure }
        return value
    }
}
