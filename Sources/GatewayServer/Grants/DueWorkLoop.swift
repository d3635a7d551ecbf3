import Foundation
import ServiceLifecycle

/// The loop of the revocation scheduler and the callback dispatcher: read the next due time (a read, so an idle
/// loop writes and fsyncs nothing), sleep until then but at most `poll` (so work another process or request
/// adds is seen in time, and nothing has to wake the loop), and run a wave of work when something is due.
/// It ends at graceful shutdown or cancellation, cutting its sleeps short.
struct DueWorkLoop: Sendable {
    /// How a wave went: `full` means more may be due at once.
    enum Wave {
        case full
        case partial
        case failed
    }

    let poll: Duration

    func run(nextDue: @Sendable () async throws -> Date?, wave: @Sendable () async -> Wave) async {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let pause = self.pause(until: (try? await nextDue()) ?? nil)
            guard pause == .zero else {
                await Self.sleep(for: pause)
                continue
            }
            if await wave() == .failed { await Self.sleep(for: self.poll) }
        }
    }

    /// Until `next` (zero if it is due), at most the poll interval; the poll interval when nothing is due or the
    /// store could not be read.
    private func pause(until next: Date?) -> Duration {
        guard let next else { return self.poll }
        let wait = next.timeIntervalSinceNow
        guard wait > 0 else { return .zero }
        return min(.milliseconds(Int64(wait * 1000) + 1), self.poll)
    }

    private static func sleep(for duration: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}
