import GatewayStore
import GatewayVocabulary
import SeguraClient
import Synchronization

/// Runs at most one change per Segura target at a time; changes to other targets run in parallel.
///
/// Segura's enable and disable are not idempotent (1043 "already activated", 1008 "inactive"), so two
/// interleaved changes to one credential can leave it in a state neither request asked for last, and
/// their answers would disagree with it. Serializing per target makes the answers match the order in
/// which the changes happened. Waiters are served first come, first served.
///
/// Two levels: the changes of this process queue here, and the one at the head of the queue then takes the
/// target's lock in the store (``TargetLockStore``), which replicas sharing a PostgreSQL database contend for. So
/// each process holds at most one store lock per target, and waits in the database with one connection per busy
/// target, not one per request.
final class TargetSerializer: Sendable {
    /// For each busy target, the tasks waiting for it, oldest first. A target with no entry is free.
    private let waiters = Mutex<[Target: [CheckedContinuation<Void, Never>]]>([:])
    private let locks: any TargetLockStore

    init(locks: any TargetLockStore) {
        self.locks = locks
    }

    /// Runs `body` once no other change to `target` is running.
    ///
    /// If the target is busy, `whileQueued` runs until this change's turn comes; it is then cancelled, and
    /// `body` starts once it returned. A queued change uses it to keep its delivery claim alive: its wait
    /// is one deadline per change ahead of it, longer than a claim may stay unanswered.
    ///
    /// Waiting is not cancellable: the wait is bounded by the running changes' own deadlines, and a waiter
    /// that left the queue early would break the first-come order.
    ///
    /// - Throws: `body`'s error, or a ``StoreError`` when the store's lock could not be taken (`body` did not run).
    func withExclusiveAccess<T: Sendable>(
        to target: Target, whileQueued: (@Sendable () async -> Void)? = nil, _ body: () async throws -> T
    ) async throws -> T {
        if !self.acquireIfFree(target) {
            await withTaskGroup(of: Void.self) { group in
                if let whileQueued { group.addTask(operation: whileQueued) }
                await self.acquire(target)
                group.cancelAll()
            }
        }
        defer { self.release(target) }
        return try await self.locks.withTargetLock(target, whileWaiting: whileQueued, body)
    }

    /// Takes `target` if no change holds it; never queues.
    private func acquireIfFree(_ target: Target) -> Bool {
        self.waiters.withLock { waiters in
            guard waiters[target] == nil else { return false }
            waiters[target] = []
            return true
        }
    }

    /// Takes `target`, queueing behind the changes that hold it or wait for it.
    private func acquire(_ target: Target) async {
        await withCheckedContinuation { continuation in
            let isFree = self.waiters.withLock { waiters in
                guard waiters[target] != nil else {
                    waiters[target] = []
                    return true
                }
                waiters[target]!.append(continuation)
                return false
            }
            if isFree { continuation.resume() }
        }
    }

    /// Hands the target to the oldest waiter, or frees it.
    private func release(_ target: Target) {
        let next = self.waiters.withLock { waiters -> CheckedContinuation<Void, Never>? in
            guard var queue = waiters[target], !queue.isEmpty else {
                waiters[target] = nil
                return nil
            }
            let next = queue.removeFirst()
            waiters[target] = queue
            return next
        }
        next?.resume()
    }
}
