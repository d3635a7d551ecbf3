import Synchronization

/// A first-come, first-served limit on the connections target locks may hold at once.
///
/// Each target being changed holds a pooled connection for its lock, for as long as its change runs. Without a
/// limit, as many busy targets as the pool has connections would leave none for the writer, and every claim and
/// outcome would wait for a connection until it failed. The store gives target locks all but two connections.
final class LockPermits: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(_ count: Int) {
        precondition(count > 0, "at least one lock must be allowed")
        self.state = Mutex(State(available: count))
    }

    /// Takes a permit, waiting in arrival order for one to be returned; not cancellable (as the target queue).
    func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = self.state.withLock { state in
                guard state.available > 0 else {
                    state.waiters.append(continuation)
                    return false
                }
                state.available -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// Returns a permit, handing it to the oldest waiter if there is one.
    func release() {
        let next = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
