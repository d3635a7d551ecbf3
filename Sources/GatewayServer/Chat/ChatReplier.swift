import Foundation
import GatewayStore
import GatewayVocabulary
import Logging

/// Where a message to the person goes: the HTTP answer, or, when the platform shows no answer (a Slack button
/// click) or the result comes later, a follow-up through the outbox.
struct ChatReplier: Sendable {
    /// What is kept of the platform's deadline for the answer itself to travel: the route stops waiting for an
    /// inline answer this long before the deadline.
    static let answerMargin: Duration = .milliseconds(500)

    let caller: String
    let platform: any ChatPlatform
    let inbound: ChatInbound
    let store: any GatewayStore

    /// Tells the person `message`: as the answer, or as a follow-up when the platform would not show the answer.
    func send(_ message: ChatMessage, logger: Logger) async -> ChatService.Answer {
        guard !self.inbound.answersInline else { return .message(self.platform.answer(message)) }
        await self.enqueue(self.event(message), logger: logger)
        return .acknowledged
    }

    /// Replaces the message the person clicked in with `message`: in the click's answer, or through `response_url`
    /// when the platform shows no answer (Slack).
    func replace(_ message: ChatMessage, logger: Logger) async -> ChatService.Answer {
        guard !self.inbound.answersInline else { return .message(self.platform.update(message)) }
        await self.enqueue(self.event(body: self.platform.update(message)), logger: logger)
        return .acknowledged
    }

    /// The outbox event posting `message` to the person: to the command's `response_url`, or for Teams to the
    /// caller's incoming webhook.
    func event(_ message: ChatMessage) -> CallbackEvent {
        self.event(body: self.platform.followUp(message))
    }

    /// Where follow-ups go: the command's `response_url`, or for Teams the caller's incoming webhook.
    var destination: CallbackEvent.Destination {
        self.inbound.replyURL.map { .chatReply(url: $0) } ?? .chatWebhook
    }

    private func event(body: [UInt8]) -> CallbackEvent {
        CallbackEvent(id: TimeOrderedID.make(prefix: "msg_"), caller: self.caller, body: Data(body), destination: self.destination)
    }

    /// Puts `event` in the outbox on its own.
    func enqueue(_ event: CallbackEvent, logger: Logger) async {
        do {
            try await self.store.enqueueCallback(event)
        } catch {
            logger.error("Could not queue a chat reply; the person can ask for the result with status", metadata: ["error": "\(error)"])
        }
    }
}
