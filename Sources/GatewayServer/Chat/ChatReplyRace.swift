import GatewayStore
import Synchronization

/// Builds the outbox event of a chat reply from an answer's JSON, for ``ActionService`` to write with the outcome.
struct ChatReplyHook: Sendable {
    /// The reply announcing the answer whose JSON is given, or `nil` when the person gets the answer inline.
    let event: @Sendable (_ answerJSON: [UInt8]) -> CallbackEvent?
}

/// Decides, exactly once, whether a chat request's result is the HTTP answer or a follow-up.
///
/// The platform's deadline is short (3 s for Slack) and an action can take Segura's whole deadline (30 s). The
/// route waits a share of the platform's deadline: if the result comes in time it is the answer; otherwise the
/// route answers "working on it" and the result follows. The decision is taken once, under a lock, by whichever
/// comes first:
///
/// - the pipeline, about to write the outcome (``hook``): it takes the inline answer, and writes no reply;
/// - the route's wait running out (``answer(within:)``): from then on the reply is written with the outcome.
///
/// Once the pipeline has taken the inline answer, the route waits for it past its share (only the outcome's
/// own write remains), so a result is never both answered and posted, and never neither.
final class ChatReplyRace: Sendable {
    private enum Phase {
        case undecided
        case inline
        case deferred
    }

    private struct State {
        var phase = Phase.undecided
        var answer: ActionAnswer?
        var waiter: CheckedContinuation<ActionAnswer?, Never>?
    }

    private let state = Mutex(State())
    private let makeReply: @Sendable ([UInt8]) -> CallbackEvent

    /// - Parameter makeReply: the outbox event announcing an answer's JSON.
    init(makeReply: @escaping @Sendable ([UInt8]) -> CallbackEvent) {
        self.makeReply = makeReply
    }

    /// What the pipeline calls right before writing the outcome.
    var hook: ChatReplyHook {
        ChatReplyHook { json in
            let deferred = self.state.withLock { state in
                if state.phase == .undecided { state.phase = .inline }
                return state.phase == .deferred
            }
            return deferred ? self.makeReply(json) : nil
        }
    }

    /// Whether the result follows as a reply rather than as the answer.
    var isDeferred: Bool { self.state.withLock { $0.phase == .deferred } }

    /// The reply for an answer that was not written with an outcome (a refusal, a replay, a store failure).
    func reply(for answer: ActionAnswer) -> CallbackEvent { self.makeReply(answer.body) }

    /// The answer if it comes within `wait` (or was taken inline by then), `nil` if the result will follow.
    func answer(within wait: Duration) async -> ActionAnswer? {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: wait)
                self.timeUp()
            }
            let answer = await withCheckedContinuation { continuation in
                let ready: ActionAnswer?? = self.state.withLock { state in
                    if let answer = state.answer { return .some(answer) }
                    if state.phase == .deferred { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
            group.cancelAll()
            return answer
        }
    }

    /// Records the pipeline's answer and hands it to the waiting route, unless the route answered already.
    func finish(_ answer: ActionAnswer) {
        let waiter = self.state.withLock { state in
            state.answer = answer
            defer { state.waiter = nil }
            return state.phase == .deferred ? nil : state.waiter
        }
        waiter?.resume(returning: answer)
    }

    /// The route's wait ran out: defer the result unless the pipeline took the inline answer first.
    private func timeUp() {
        let waiter = self.state.withLock { state -> CheckedContinuation<ActionAnswer?, Never>? in
            guard state.answer == nil, state.phase == .undecided else { return nil }
            state.phase = .deferred
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
