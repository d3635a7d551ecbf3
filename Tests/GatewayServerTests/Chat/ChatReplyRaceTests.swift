import Foundation
import GatewayStore
import GatewayVocabulary
import Testing

@testable import GatewayServer

/// The decision between answering inline and following up is taken once: a result is never both answered and
/// posted, and never neither.
@Suite("Chat reply race")
struct ChatReplyRaceTests {
    static func race() -> ChatReplyRace {
        ChatReplyRace { json in CallbackEvent(id: "msg_1", caller: "chat", body: Data(json), destination: .chatWebhook) }
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
        let answer = await race.answer(within: .seconds(10))
        #expect(answer?.requestID == "req_1")
        #expect(!race.isDeferred)
    }

    @Test("past the wait the answer is deferred, and the outcome's write carries the reply")
    func late() async {
        let race = Self.race()
        let answer = await race.answer(within: .milliseconds(20))
        #expect(answer == nil)
        #expect(race.isDeferred)
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
        let answer = await race.answer(within: .milliseconds(20))
        #expect(answer?.requestID == "req_1")
        #expect(!race.isDeferred)
    }
}
