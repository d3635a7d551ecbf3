import GatewayStore
import PostgresNIO
import Synchronization

/// The store's defence against a database that stops answering: every wait on PostgreSQL has an end.
///
/// A connection whose server vanished (a failover, a partition) can leave a statement waiting with no reply, and a
/// pool whose server is down queues leases while it retries. The store must then answer `store_unavailable`, not
/// hold a request, its target's lock and a place in the pool for ever. So a lease is waited for at most the connect
/// timeout, and an operation on a leased connection at most the operation timeout, after which its connection is
/// closed (which fails whatever still waits on it) and the caller is told the store is unavailable.
enum BoundedWork {
    /// Runs `work` in a task of its own and returns its result, or throws ``StoreError/unavailable`` when it has not
    /// finished within `limit`, after calling `onExpiry` (which makes `work` end, for example by closing its
    /// connection). The caller's cancellation does not stop `work`: a write runs to its end either way.
    static func run<T: Sendable>(
        limit: Duration, onExpiry: @escaping @Sendable () -> Void, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let race = Race(continuation)
            race.arm(
                Task {
                    guard (try? await Task.sleep(for: limit)) != nil else { return }
                    if race.finish(.failure(StoreError.unavailable)) { onExpiry() }
                })
            Task {
                do {
                    race.finish(.success(try await work()))
                } catch {
                    race.finish(.failure(error))
                }
            }
        }
    }
}

/// A pooled connection held by a task of its own until ``release()``, so that waiting for it can be bounded and a
/// connection stuck on a vanished server can be closed from outside.
final class ConnectionLease: Sendable {
    let connection: PostgresConnection
    private let released: AsyncStream<Void>.Continuation

    private init(_ connection: PostgresConnection, released: AsyncStream<Void>.Continuation) {
        self.connection = connection
        self.released = released
    }

    /// Leases a connection from `client`, or throws ``StoreError/unavailable`` when none comes within `timeout`
    /// (the pool keeps retrying in the background). A connection that comes after the caller gave up goes straight
    /// back to the pool.
    static func obtain(from client: PostgresClient, within timeout: Duration) async throws -> ConnectionLease {
        let (releases, released) = AsyncStream.makeStream(of: Void.self)
        return try await withCheckedThrowingContinuation { continuation in
            let race = Race(continuation)
            let holder = Task {
                do {
                    try await client.withConnection { connection in
                        guard race.finish(.success(ConnectionLease(connection, released: released))) else { return }
                        for await _ in releases {}
                    }
                } catch {
                    race.finish(.failure(error))
                }
            }
            race.arm(
                Task {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    if race.finish(.failure(StoreError.unavailable)) { holder.cancel() }
                })
        }
    }

    /// Gives the connection back to the pool.
    func release() {
        self.released.finish()
    }

    /// Closes the connection without waiting (a connection whose server vanished may never report its close); the
    /// server drops the session's locks and rolls back its open transaction when it notices.
    func abandon() {
        let connection = self.connection
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Runs `work` on the connection, closing the connection and throwing ``StoreError/unavailable`` if it has not
    /// finished within `limit`.
    func run<T: Sendable>(within limit: Duration, _ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let connection = self.connection
        return try await BoundedWork.run(limit: limit, onExpiry: { self.abandon() }) { try await work(connection) }
    }
}

/// Settles a continuation with the first result given (later ones are dropped) and cancels the timer racing it.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var timer: Task<Void, Never>?
    }

    private let state: Mutex<State>

    init(_ continuation: CheckedContinuation<T, any Error>) {
        self.state = Mutex(State(continuation: continuation))
    }

    /// Keeps the timer to cancel once the race is settled; cancels it at once if it already is.
    func arm(_ timer: Task<Void, Never>) {
        let settled = self.state.withLock { state in
            guard state.continuation != nil else { return true }
            state.timer = timer
            return false
        }
        if settled { timer.cancel() }
    }

    /// Settles the race with `result` unless it is settled; returns whether this call settled it.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (continuation, timer) = self.state.withLock { state in
            defer { state = State() }
            return (state.continuation, state.timer)
        }
        timer?.cancel()
        guard let continuation else { return false }
        continuation.resume(with: result)
        return true
    }
}
