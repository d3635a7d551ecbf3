import ServiceLifecycle
import Synchronization

/// Runs the chat requests whose results outlive their HTTP answer, and lets each finish on shutdown.
///
/// A chat action answered "working on it" goes on running after its route returned; it must not be cancelled
/// with the request, and the Segura client and the store must stay open until its outcome (and the reply with it)
/// is written. The service stops before both, after waiting for the work it holds. Its work is bounded like the
/// requests in flight: once the route has answered, `http.max_requests_in_flight` no longer counts it.
final class ChatWork: Service, Sendable {
    /// What ``start(_:)`` did with a job.
    enum Admission {
        case started
        /// As many jobs as allowed are running: the request is refused for load.
        case full
        /// The service is shutting down: the caller runs the job itself.
        case closed
    }

    private let jobs: AsyncStream<@Sendable () async -> Void>
    private let continuation: AsyncStream<@Sendable () async -> Void>.Continuation
    private let maximum: Int
    private let running = Mutex(0)

    /// - Parameter maximum: the most jobs running or queued at once.
    init(maximum: Int) {
        (self.jobs, self.continuation) = AsyncStream.makeStream()
        self.maximum = maximum
    }

    /// Starts `job` now (or as soon as the service runs).
    func start(_ job: @escaping @Sendable () async -> Void) -> Admission {
        let admitted = self.running.withLock { running in
            guard running < self.maximum else { return false }
            running += 1
            return true
        }
        guard admitted else { return .full }
        let counted: @Sendable () async -> Void = {
            await job()
            self.running.withLock { $0 -= 1 }
        }
        if case .enqueued = self.continuation.yield(counted) { return .started }
        self.running.withLock { $0 -= 1 }
        return .closed
    }

    func run() async {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await job in self.jobs {
                    group.addTask { await job() }
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }
}
