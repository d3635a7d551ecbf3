import GatewayStore
import GatewayVocabulary
import PostgresNIO

extension PostgresGatewayStore {
    /// Holds the target's session-level advisory lock on one pooled connection while `body` runs.
    ///
    /// PostgreSQL queues the waiters of one lock in arrival order, and releases a lock when its session ends, so a
    /// replica that dies mid-change frees its targets. At most ``LockPermits``' share of
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
        let lease: ConnectionLease
        do {
            lease = try await ConnectionLease.obtain(from: self.client, within: self.configuration.connectTimeout)
        } catch {
            self.lockPermits.release()
            throw StoreError.wrappingPostgres(error)
        }
        let limit = self.configuration.operationTimeout
        do {
            let acquired = try await lease.run(within: limit) { connection in
                try await connection.query("SELECT pg_try_advisory_lock(\(space), \(key))", logger: logger).first(Bool.self) ?? false
            }
            if !acquired {
                // Waiting for another replica's change is not bounded here: it ends with that change (its own
                // Segura deadline), or with its session if that replica dies.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    if let whileWaiting { group.addTask { await whileWaiting() } }
                    try await lease.connection.query("SELECT pg_advisory_lock(\(space), \(key))", logger: logger)
                    group.cancelAll()
                }
            }
        } catch {
            lease.abandon()
            lease.release()
            self.lockPermits.release()
            throw StoreError.wrappingPostgres(error)
        }
        defer { self.unlock(space, key, on: lease, target: target) }
        return try await body()
    }

    /// Releases the lock in the background, so the change's answer does not wait for it: the lock, not this
    /// process, is what another change waits for. A connection the server ended may never answer, so the unlock is
    /// bounded, and on failure the session is closed, which releases the lock too. The connection and the permit go
    /// back only after.
    private func unlock(_ space: Int32, _ key: Int32, on lease: ConnectionLease, target: Target) {
        let (logger, limit, permits) = (self.logger, self.configuration.operationTimeout, self.lockPermits)
        Task {
            do {
                try await lease.run(within: limit) { connection in
                    try await connection.query("SELECT pg_advisory_unlock(\(space), \(key))", logger: logger)
                }
            } catch {
                logger.warning("Could not release a target lock; closing its connection", metadata: ["target": "\(target)"])
                lease.abandon()
            }
            lease.release()
            permits.release()
        }
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
