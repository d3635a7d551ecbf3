import GatewayStore
import GatewayVocabulary
import PostgresNIO

extension PostgresGatewayStore {
    /// Holds the target's session-level advisory lock on one pooled connection while `body` runs.
    ///
    /// PostgreSQL queues the waiters of one lock in arrival order, and releases a lock when its session ends, so a
    /// replica that dies mid-change frees its targets. The lock is released before the connection returns to the
    /// pool; if releasing fails, the connection is closed, which releases it too. At most ``LockPermits``' share of
    /// the pool is held by target locks at once, so claims and outcomes always find a connection.
    public func withTargetLock<T: Sendable>(_ target: Target, whileWaiting: (@Sendable () async -> Void)?, _ body: () async throws -> T) async throws -> T {
        let (space, key) = Self.lockKey(target)
        let logger = self.logger
        if let whileWaiting {
            await withTaskGroup(of: Void.self) { group in
                group.addTask(operation: whileWaiting)
                await self.lockPermits.acquire()
                group.cancelAll()
            }
        } else {
            await self.lockPermits.acquire()
        }
        defer { self.lockPermits.release() }
        // The connection is leased without the store's connect timeout (the body cannot move to another task to
        // race a timer): this runs right after the request's claim reached the database, so it is reachable.
        let outcome: Result<T, any Error>
        do {
            outcome = try await self.client.withConnection { connection in
                let acquired = try await connection.query("SELECT pg_try_advisory_lock(\(space), \(key))", logger: logger).first(Bool.self) ?? false
                if !acquired {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        if let whileWaiting { group.addTask { await whileWaiting() } }
                        try await connection.query("SELECT pg_advisory_lock(\(space), \(key))", logger: logger)
                        group.cancelAll()
                    }
                }
                let result: Result<T, any Error>
                do {
                    result = .success(try await body())
                } catch {
                    result = .failure(error)
                }
                do {
                    try await connection.query("SELECT pg_advisory_unlock(\(space), \(key))", logger: logger)
                } catch {
                    logger.warning("Could not release a target lock; closing its connection", metadata: ["target": "\(target)"])
                    try? await connection.close()
                }
                return result
            }
        } catch {
            throw StoreError.wrappingPostgres(error)
        }
        return try outcome.get()
    }

    /// The lock's two 32-bit keys: the kind's space and the id folded to 32 bits. Two targets that fold to one key
    /// only wait for each other; they are never changed at once.
    static func lockKey(_ target: Target) -> (Int32, Int32) {
        var space: UInt32 = 0x811C_9DC5  // FNV-1a over the kind's name: stable across processes and versions.
        for byte in target.kind.rawValue.utf8 {
            space = (space ^ UInt32(byte)) &* 0x0100_0193
        }
        let id = UInt64(bitPattern: Int64(target.id))
        return (Int32(bitPattern: space), Int32(bitPattern: UInt32(truncatingIfNeeded: id ^ (id >> 32))))
    }
}
