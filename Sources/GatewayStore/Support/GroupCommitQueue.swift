import Synchronization

/// Group commit: items appended concurrently are written together, one transaction (one fsync) per batch.
///
/// At most one batch is being committed at a time. Items that arrive meanwhile wait in the queue and all go
/// into the next batch, so the batch size grows with load while an idle append still commits at once. Every
/// waiter is resumed after its batch committed (with its own result) or failed (with the batch's error).
///
/// The queue does not know the database: `commit` is handed a batch and a completion to call exactly once,
/// which lets each backend use its own non-cancellable write (GRDB's `asyncWrite`, a detached PostgreSQL
/// transaction). A waiter whose task is cancelled keeps waiting: the item is written regardless, because an
/// audit record must not be lost because a client went away.
///
/// The queue is bounded for the items that may be refused (``append(_:sheddable:)``): past `maximumPending`
/// queued items they fail at once with ``StoreError/overloaded`` instead of growing memory. Items that record
/// what already happened (an outcome after Segura acted) are never refused; their number is bounded by the
/// work admitted before them.
package final class GroupCommitQueue<Item: Sendable, Output: Sendable>: Sendable {
    /// Writes `items` in one transaction and calls the completion with one output per item, in order.
    package typealias Commit = @Sendable (_ items: [Item], _ completion: @escaping @Sendable (Result<[Output], any Error>) -> Void) -> Void

    private struct Waiter: Sendable {
        var item: Item
        var continuation: CheckedContinuation<Output, any Error>
    }

    private struct State: Sendable {
        var pending: [Waiter] = []
        var isCommitting = false
        var isClosed = false
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        var batchesCommitted = 0
        var itemsCommitted = 0
    }

    private let maximumBatchSize: Int
    private let maximumPending: Int
    private let commit: Commit
    private let state = Mutex(State())

    /// - Parameters:
    ///   - maximumBatchSize: the most items one transaction takes, to bound its size under a burst.
    ///   - maximumPending: the most queued items past which a sheddable item is refused.
    ///   - commit: writes one batch; see ``Commit``.
    package init(maximumBatchSize: Int, maximumPending: Int = .max, commit: @escaping Commit) {
        precondition(maximumBatchSize > 0, "a batch must hold at least one item")
        precondition(maximumPending > 0, "the queue must hold at least one item")
        self.maximumBatchSize = maximumBatchSize
        self.maximumPending = maximumPending
        self.commit = commit
    }

    /// Batches and items committed so far.
    package var committed: (batches: Int, items: Int) { self.state.withLock { ($0.batchesCommitted, $0.itemsCommitted) } }

    /// Queues `item` and returns its output once the batch holding it committed.
    ///
    /// - Parameter sheddable: whether the item may be refused when the queue is full (a claim, before anything
    ///   was done); an item that records what already happened is not.
    /// - Throws: ``StoreError/closed`` after ``close()``, ``StoreError/overloaded`` for a sheddable item past
    ///   the bound, or the error of the batch's commit.
    package func append(_ item: Item, sheddable: Bool = false) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let admission = self.state.withLock { state -> Admission in
                guard !state.isClosed else { return .refused(.closed) }
                guard !sheddable || state.pending.count < self.maximumPending else { return .refused(.overloaded) }
                state.pending.append(Waiter(item: item, continuation: continuation))
                guard !state.isCommitting else { return .queued }
                state.isCommitting = true
                return .startBatch(self.takeBatch(from: &state))
            }
            switch admission {
            case .refused(let error): continuation.resume(throwing: error)
            case .queued: break
            case .startBatch(let batch): self.start(batch)
            }
        }
    }

    /// What ``append(_:)`` does once the state was updated, outside the lock.
    private enum Admission {
        case refused(StoreError)
        case queued
        case startBatch([Waiter])
    }

    /// Refuses new items and returns once every item queued before was committed or failed.
    package func close() async {
        await withCheckedContinuation { continuation in
            let isDrained = self.state.withLock { state in
                state.isClosed = true
                guard state.isCommitting else { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if isDrained { continuation.resume() }
        }
    }

    private func takeBatch(from state: inout State) -> [Waiter] {
        let count = min(state.pending.count, self.maximumBatchSize)
        let batch = Array(state.pending.prefix(count))
        state.pending.removeFirst(count)
        return batch
    }

    private func start(_ batch: [Waiter]) {
        self.commit(batch.map(\.item)) { result in
            self.finish(batch, with: result)
        }
    }

    /// Starts the next batch (so its fsync is not delayed), then resumes the waiters of the finished one.
    private func finish(_ batch: [Waiter], with result: Result<[Output], any Error>) {
        let (next, drained) = self.state.withLock { state -> ([Waiter]?, [CheckedContinuation<Void, Never>]) in
            if case .success = result {
                state.batchesCommitted += 1
                state.itemsCommitted += batch.count
            }
            if state.pending.isEmpty {
                state.isCommitting = false
                defer { state.drainWaiters = [] }
                return (nil, state.drainWaiters)
            }
            return (self.takeBatch(from: &state), [])
        }
        if let next { self.start(next) }
        switch result {
        case .success(let outputs):
            precondition(outputs.count == batch.count, "a commit must return one output per item")
            for (waiter, output) in zip(batch, outputs) { waiter.continuation.resume(returning: output) }
        case .failure(let error):
            for waiter in batch { waiter.continuation.resume(throwing: error) }
        }
        for continuation in drained { continuation.resume() }
    }
}
