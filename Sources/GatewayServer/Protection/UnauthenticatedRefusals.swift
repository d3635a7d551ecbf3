import Foundation
import GatewayStore
import GatewayVocabulary
import Logging
import ServiceLifecycle
import Synchronization

/// Counts the requests refused before any caller was identified (no signature, a wrong MAC, a stale
/// timestamp, an oversized body), so that they cost a counter increment instead of an fsync'd audit row.
///
/// Anyone can send such requests, as fast as the network allows. Written one by one, each would append an
/// undeletable record: one client sending bad MACs grew the store by megabytes a second, and a full disk stops
/// every real action. They say nothing about any caller either: the request could not be attributed. So they
/// are counted per error code, and ``RefusalSummaryService`` writes one `refusals_summarized` record per code
/// per interval, and one log line.
final class UnauthenticatedRefusals: Sendable {
    struct Window: Sendable {
        /// Refusals per error code.
        var counts: [ErrorCode: Int]
        /// When the window opened.
        var since: Date
    }

    private let window = Mutex(Window(counts: [:], since: Date()))

    /// Counts one refusal with `code`.
    func count(_ code: ErrorCode) {
        self.window.withLock { $0.counts[code, default: 0] += 1 }
    }

    /// The window so far, and opens the next one at `now`.
    func close(at now: Date) -> Window {
        self.window.withLock { window in
            defer { window = Window(counts: [:], since: now) }
            return window
        }
    }
}

/// Every `interval`, and once more at shutdown, turns the counted unauthenticated refusals into audit
/// records and a log line, so the trail still shows that an attack happened, when, and how big it was.
///
/// A `refusals_summarized` record has no caller; `error_code` is the refusal's code, `attempts` the number of
/// requests refused with it, and `received_at` and `occurred_at` the window's start and end.
struct RefusalSummaryService: Service {
    let refusals: UnauthenticatedRefusals
    let ledger: DeliveryLedger
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            await self.summarize()
        }
    }

    /// Closes the current window and records it; an empty window records nothing.
    func summarize() async {
        let now = Date()
        let window = self.refusals.close(at: now)
        guard !window.counts.isEmpty else { return }
        let total = window.counts.values.reduce(0, +)
        self.logger.notice(
            "Refused unauthenticated requests",
            metadata: [
                "refusals.total": "\(total)", "refusals.since": "\(window.since.ISO8601Format())",
                "refusals.by_code": "\(window.counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: ","))",
            ]
        )
        for (code, count) in window.counts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let event = AuditEvent(
                requestID: RequestID.make(), caller: nil, decision: .refusalsSummarized, errorCode: code, attempts: count,
                receivedAt: window.since, occurredAt: now
            )
            do {
                try await self.ledger.audit(event)
            } catch {
                self.logger.error("Could not record the refusal summary", metadata: ["error.code": "\(code.rawValue)", "refusals.count": "\(count)", "error": "\(error)"])
            }
        }
    }
}
