import Synchronization

/// The cancellation handshake between a caller's task and the loop thread for one request.
///
/// Task cancellation can arrive at any moment: before the request is queued, while libcurl runs it,
/// or after it finished. The ticket makes those cases exclusive so the continuation is resumed exactly
/// once and a cancel is never lost or sent for a request the loop has not seen yet.
final class TransferTicket: Sendable {
    private enum State {
        case created
        case cancelledBeforeSubmission
        case submitted
        case finished
    }

    /// Identifies the transfer in the loop's table.
    let id: UInt64
    private let state = Mutex(State.created)

    init(id: UInt64) {
        self.id = id
    }

    /// What happened to a submission.
    enum Submission {
        /// The loop has the request and will resume the continuation.
        case queued
        /// The task was cancelled first; nothing was queued.
        case cancelledEarly
        /// The loop refused the request (it is shutting down); nothing was queued.
        case refused
    }

    /// Runs `enqueue` unless the task was already cancelled.
    ///
    /// `enqueue` runs under the ticket's lock, so a concurrent ``cancel()`` is ordered after the
    /// request is in the loop's queue and the loop always sees the start before the cancel.
    /// `enqueue` returns whether the loop accepted the request.
    func submit(_ enqueue: () -> Bool) -> Submission {
        self.state.withLock { state in
            guard case .created = state else { return .cancelledEarly }
            guard enqueue() else {
                state = .finished
                return .refused
            }
            state = .submitted
            return .queued
        }
    }

    /// Records a cancellation; returns `true` when the loop must be told to abort a running transfer.
    func cancel() -> Bool {
        self.state.withLock { state in
            switch state {
            case .created:
                state = .cancelledBeforeSubmission
                return false
            case .submitted:
                return true
            case .cancelledBeforeSubmission, .finished:
                return false
            }
        }
    }

    /// Marks the transfer finished, so a later cancellation is a no-op.
    func finish() {
        self.state.withLock { $0 = .finished }
    }
}
