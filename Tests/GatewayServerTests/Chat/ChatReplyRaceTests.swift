import Foundation
import GatewayStore
import GatewayVocabulary
import Testing

@testable import GatewayServer

/// Whether a result is the answer or a follow-up is decided so that the person always gets it: answered inline,
/// or posted, and posted twice only when the outcome's own write outlasted the platform's deadline.
@Suite("Chat reply race")
struct ChatReplyRaceTests {
    static func race(deferred: Bool = false) -> ChatReplyRace {
        ChatReplyRace(deferred: deferred, destination: .chatWebhook) { json in CallbackEvent(id: "msg_1", caller: "chat", body: Data(json), destination: .chatWebhook) }
    }

    static func answer() -> ActionAnswer {
        ActionAnswer(ActionResultBuilder(requestID: "req_1", request: nil, caller: "chat", receivedAt: .now).success(outcome: .applied))
    }

    @Test("a result in time is the answer, and no reply is written with it")
    func inTime() async {
        let race = Self.race()
        Task {
            #expect(race.hook.event([1]) == nil)
            race.finish(Self.answer())
        }
        let answer = await race.answer(within: .seconds(10), atMost: .seconds(20))
        #expect(answer?.requestID == "req_1")
        #expect(!race.needsReply)
    }

    @Test("past the share the answer is deferred, and the outcome's write carries the reply")
    func late() async {
        let race = Self.race()
        let answer = await race.answer(within: .milliseconds(20), atMost: .seconds(2))
        #expect(answer == nil)
        #expect(race.needsReply)
        #expect(race.hook.event([7])?.body == Data([7]))
        race.finish(Self.answer())
    }

    @Test("once the pipeline took the inline answer, the route waits for it past its share")
    func takenInline() async {
        let race = Self.race()
        #expect(race.hook.event([1]) == nil)
        Task {
            try await Task.sleep(for: .milliseconds(200))
            race.finish(Self.answer())
        }
        let answer = await race.answer(within: .milliseconds(20), atMost: .seconds(5))
        #expect(answer?.requestID == "req_1")
        #expect(!race.needsReply)
    }

    @Test("an inline answer whose write outlasts the limit is answered 'working on it' and posted after the write")
    func writeOutlastsTheLimit() async {
        let race = Self.race()
        #expect(race.hook.event([1]) == nil)
        let answer = await race.answer(within: .milliseconds(20), atMost: .milliseconds(60))
        #expect(answer == nil)
        race.finish(Self.answer())
        #expect(race.needsReply)
    }

    @Test("a result the platform will not show (a Slack button) always follows, however fast")
    func deferredFromTheStart() async {
        let race = Self.race(deferred: true)
        #expect(race.hook.event([3])?.body == Data([3]))
        race.finish(Self.answer())
        #expect(race.needsReply)
        #expect(await race.answer(within: .seconds(1), atMost: .seconds(2)) == nil)
    }
}
