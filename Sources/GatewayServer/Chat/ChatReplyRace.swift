import GatewayStore
import Synchronization

/// Builds the outbox event of a chat reply from an answer's JSON, for ``ActionService`` to write with the outcome.
struct ChatReplyHook: Sendable {
    /// Where the person hears later: a request held for approval tells them here when it is decided.
    let destination: CallbackEvent.Destination
    /// The reply announcing the answer whose JSON is given, or `nil` when the person gets the answer inline.
    let event: @Sendable (_ answerJSON: [UInt8]) -> CallbackEvent?
}

/// Decides whether a chat request's result is the HTTP answer or a follow-up, so that it is never neither.
///
/// The platform's deadline is short (3 s for Slack) and an action can take Segura's whole deadline (30 s). The
/// route waits a share of the platform's deadline: if the result comes in time it is the answer; otherwise the
/// route answers "working on it" and the result follows. The decision is taken under a lock by whichever comes
/// first:
///
/// - the pipeline, about to write the outcome (``hook``): it takes the inline answer and writes no reply;
/// - the route's share running out (``answer(within:atMost:)``): from then on the reply is written with the outcome.
///
/// Once the pipeline has taken the inline answer, the route waits for it past its share, but only up to a limit
/// short of the platform's deadline. If the outcome's write is slower still, the route answers "working on it"
/// and the result is posted after the write (``needsReply``): the person may then see it twice, never not at all.
final class ChatReplyRace: Sendable {
    private enum Phase {
        case undecided
        /// The pipeline took the inline answer: no reply is written with the outcome.
        case inline
        /// The route answered "working on it" before the pipeline decided: the reply is written with the outcome.
        case deferred
        /// The route gave up waiting for an inline answer the pipeline had taken: the reply goes on its own.
        case abandoned
    }

    private struct State {
        var phase: Phase
        var answer: ActionAnswer?
        var waiter: CheckedContinuation<ActionAnswer?, Never>?
    }

    private let state: Mutex<State>
    private let makeReply: @Sendable ([UInt8]) -> CallbackEvent
    private let destination: CallbackEvent.Destination

    /// - Parameters:
    ///   - deferred: the result follows whatever its timing (a Slack button click, whose answer Slack ignores).
    ///   - destination: where the replies go.
    ///   - makeReply: the outbox event announcing an answer's JSON.
    init(deferred: Bool, destination: CallbackEvent.Destination, makeReply: @escaping @Sendable ([UInt8]) -> CallbackEvent) {
        self.state = Mutex(State(phase: deferred ? .deferred : .undecided))
        self.destination = destination
        self.makeReply = makeReply
    }

    /// What the pipeline calls right before writing the outcome.
    var hook: ChatReplyHook {
        ChatReplyHook(destination: self.destination) { json in
            let deferred = self.state.withLock { state in
                if state.phase == .undecided { state.phase = .inline }
                return state.phase == .deferred
            }
            return deferred ? self.makeReply(json) : nil
        }
    }

    /// Whether the result must be posted because the route did not answer with it. When the outcome was written
    /// with its reply (``ActionAnswer/replyRecorded``), it already is.
    var needsReply: Bool {
        self.state.withLock { $0.phase == .deferred || $0.phase == .abandoned }
    }

    /// The reply for an answer that was not written with its outcome (a refusal, a replay, a store failure, or an
    /// inline answer the route gave up on).
    func reply(for answer: ActionAnswer) -> CallbackEvent { self.makeReply(answer.body) }

    /// The answer if it comes within `share`, or, once the pipeline took it inline, within `limit`; `nil` if the
    /// result will follow.
    func answer(within share: Duration, atMost limit: Duration) async -> ActionAnswer? {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                guard (try? await Task.sleep(for: share)) != nil, self.shareRanOut() else { return }
                guard (try? await Task.sleep(for: limit - share)) != nil else { return }
                self.limitRanOut()
            }
            let answer = await withCheckedContinuation { continuation in
                let ready: ActionAnswer?? = self.state.withLock { state in
                    if let answer = state.answer, state.phase != .deferred { return .some(answer) }
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
            return state.phase == .deferred || state.phase == .abandoned ? nil : state.waiter
        }
        waiter?.resume(returning: answer)
    }

    /// The share ran out: defers the result unless the pipeline took the inline answer first. Returns whether the
    /// route should go on waiting (for an inline answer being written).
    private func shareRanOut() -> Bool {
        let (waiter, keepWaiting) = self.state.withLock { state -> (CheckedContinuation<ActionAnswer?, Never>?, Bool) in
            guard state.answer == nil else { return (nil, false) }
            switch state.phase {
            case .undecided:
                state.phase = .deferred
                defer { state.waiter = nil }
                return (state.waiter, false)
            case .inline: return (nil, true)
            case .deferred, .abandoned: return (nil, false)
            }
        }
        waiter?.resume(returning: nil)
        return keepWaiting
    }

    /// The limit ran out while an inline answer was being written: the route answers without it.
    private func limitRanOut() {
        let waiter = self.state.withLock { state -> CheckedContinuation<ActionAnswer?, Never>? in
            guard state.answer == nil, state.phase == .inline else { return nil }
            state.phase = .abandoned
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
