import GatewayStore
@testable import GatewayServer
import GatewayVocabulary
import Logging
import SeguraClient
import Synchronization
import TestSupport
import Testing

/// Per-target serialization, and the work a queued change does while it waits (keeping its claim alive).
@Suite(.timeLimit(.minutes(1)))
struct TargetSerializerTests {
    /// What the changes did, in order.
    final class Journal: Sendable {
        private let entries = Mutex<[String]>([])
        var all: [String] { self.entries.withLock { $0 } }
        func note(_ entry: String) { self.entries.withLock { $0.append(entry) } }

        /// Waits (10 s at most) until `entry` was noted.
        func waitFor(_ entry: String) async throws {
            try await eventually("\(entry) was never noted") { self.all.contains(entry) ? true : nil }
        }
    }

    @Test func aQueuedChangeWorksWhileQueuedUntilItsTurnAndAChangeToAFreeTargetDoesNot() async throws {
        let serializer = TargetSerializer(locks: TransientStore())
        let target = Target(kind: .credential, id: 42)
        let journal = Journal()
        let (release, releaseFirst) = AsyncStream.makeStream(of: Void.self)
        async let first: Void = serializer.withExclusiveAccess(to: target, whileQueued: { journal.note("first queued") }) {
            journal.note("first runs")
            for await _ in release {}
            journal.note("first done")
        }
        try await journal.waitFor("first runs")
        async let second: Void = serializer.withExclusiveAccess(
            to: target,
            whileQueued: {
                journal.note("second queued")
                while (try? await Task.sleep(for: .seconds(30))) != nil {}
                journal.note("second's turn")
            }
        ) { journal.note("second runs") }
        try await journal.waitFor("second queued")
        releaseFirst.finish()
        _ = try await (first, second)
        #expect(journal.all == ["first runs", "second queued", "first done", "second's turn", "second runs"])
    }

    @Test func changesToOtherTargetsDoNotWait() async throws {
        let serializer = TargetSerializer(locks: TransientStore())
        let journal = Journal()
        try await serializer.withExclusiveAccess(to: .init(kind: .credential, id: 1), whileQueued: { journal.note("queued") }) {
            try await serializer.withExclusiveAccess(to: .init(kind: .credential, id: 2), whileQueued: { journal.note("queued") }) {
                journal.note("both held")
            }
        }
        #expect(journal.all == ["both held"])
    }

    /// One failed renewal must not use up the margin that keeps a queued change's claim fresh: it is tried
    /// again after a quarter of the interval, the schedule goes on from there, and a claim that is gone ends
    /// the renewals (so this test ends on its own, with no cancellation).
    @Test func aFailedRenewalIsRetriedSoonAndALostClaimEndsTheRenewals() async throws {
        struct TransientFailure: Error {}
        let clock = ContinuousClock()
        let logs = LogCapture()
        let interval = Duration.milliseconds(1200)
        let start = clock.now
        var renewals: [ContinuousClock.Instant] = []
        await DeliveryLedger.renewUntilCancelled(every: interval, logger: logs.logger()) {
            renewals.append(clock.now)
            switch renewals.count {
            case 1: throw TransientFailure()
            case 2: return true
            default: return false
            }
        }
        try #require(renewals.count == 3)
        #expect(renewals[0] - start >= interval)
        // A quarter of the interval after the failure, well before a whole interval.
        #expect(renewals[1] - renewals[0] >= interval / 4)
        #expect(renewals[1] - renewals[0] < interval * 0.8)
        // Then one interval after the retry was due.
        #expect(renewals[2] - renewals[0] >= interval / 4 + interval)
        #expect(logs.messages(atLeast: .error) == ["Could not renew a queued change's claim"])
        #expect(logs.messages(atLeast: .warning).last == "A queued change's claim was taken over or purged while it waited; a repeat may act again")
    }
}
