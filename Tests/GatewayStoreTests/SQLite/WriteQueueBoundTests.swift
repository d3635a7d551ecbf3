@testable import GatewayStore
import Synchronization
import Testing

/// The group-commit queue holds a bounded number of writes that may be refused: past it they fail at once
/// instead of growing memory, while writes that record what already happened are always taken.
@Suite struct WriteQueueBoundTests {
    /// A commit that holds every batch until `release()`, so items pile up in the queue.
    private final class HeldCommits: Sendable {
        private let held = Mutex<[@Sendable () -> Void]>([])

        func commit(_ items: [Int], _ completion: @escaping @Sendable (Result<[Int], any Error>) -> Void) {
            self.held.withLock { $0.append { completion(.success(items)) } }
        }

        var count: Int { self.held.withLock { $0.count } }

        /// Completes every held batch; the queue then starts the next one, which is held again.
        func release() {
            for complete in self.held.withLock({ held in defer { held = [] }; return held }) { complete() }
        }
    }

    @Test func sheddableWritesPastTheBoundFailAtOnceAndOthersAreKept() async throws {
        let commits = HeldCommits()
        let queue = GroupCommitQueue<Int, Int>(maximumBatchSize: 100, maximumPending: 3) { items, completion in
            commits.commit(items, completion)
        }
        try await withThrowingTaskGroup(of: Int.self) { group in
            // The first item starts a batch (held); the next three fill the queue.
            for item in 0..<4 {
                group.addTask { try await queue.append(item, sheddable: true) }
                try await waitUntil { commits.count == 1 }
            }
            try await Task.sleep(for: .milliseconds(100))
            await #expect(throws: StoreError.overloaded) { try await queue.append(99, sheddable: true) }
            // An outcome is recorded however full the queue is.
            group.addTask { try await queue.append(100, sheddable: false) }
            try await Task.sleep(for: .milliseconds(100))
            commits.release()
            try await waitUntil { commits.count == 1 }
            commits.release()
            var written: [Int] = []
            for try await item in group { written.append(item) }
            #expect(written.sorted() == [0, 1, 2, 3, 100])
        }
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met within 5 s")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
