import ServiceLifecycle

/// Runs the chat requests whose results outlive their HTTP answer, and lets each finish on shutdown.
///
/// A chat action answered "working on it" goes on running after its route returned; it must not be cancelled
/// with the request, and the store must stay open until its outcome (and the reply with it) is written. The
/// service stops before the store, after waiting for the work it holds.
final class ChatWork: Service, Sendable {
    private let jobs: AsyncStream<@Sendable () async -> Void>
    private let continuation: AsyncStream<@Sendable () async -> Void>.Continuation

    init() {
        (self.jobs, self.continuation) = AsyncStream.makeStream()
    }

    /// Starts `job` now (or when the service starts); returns `false` once the service is shutting down.
    @discardableResult
    func start(_ job: @escaping @Sendable () async -> Void) -> Bool {
        if case .enqueued = self.continuation.yield(job) { return true }
        return false
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
