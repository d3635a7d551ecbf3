import Foundation
import GatewayAPI
import GatewayStore
import GatewayVocabulary

/// Builds the grant events for the callers that have a callback, for the outbox. The body is rendered once, so
/// every retry sends the same bytes under the same `webhook-id`.
struct CallbackEvents: Sendable {
    let callbacks: [String: GatewayConfiguration.Callback]
    /// The chat callers' settings: where their replies may go.
    let chats: [String: GatewayConfiguration.Chat]
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    init(callers: [GatewayConfiguration.Caller]) {
        self.callbacks = Dictionary(callers.compactMap { caller in caller.callback.map { (caller.name, $0) } }, uniquingKeysWith: { first, _ in first })
        self.chats = Dictionary(callers.compactMap { caller in caller.chat.map { (caller.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }

    /// Where `event` goes with today's configuration; `nil` when its caller no longer has that destination (a
    /// `response_url` is checked again against the caller's current `reply_url_prefixes`).
    func target(of event: CallbackEvent) -> CallbackTarget? {
        switch event.destination {
        case .callback: self.callbacks[event.caller].map(CallbackTarget.signedCallback)
        case .chatReply(let url): self.chats[event.caller]?.allowsReply(to: url) == true ? .chatReply(url: url) : nil
        case .chatWebhook: self.chats[event.caller]?.incomingWebhook.map { .chatReply(url: $0.value) }
        case .approvalChannel: self.chats[event.caller]?.approvalChannel.map { .chatReply(url: $0.webhook.value) }
        }
    }

    /// `type` for `grant` as it stands after the transition, addressed to the grant's caller; `nil` when that
    /// caller has no callback.
    func event(_ type: Components.Schemas.GrantEvent._TypePayload, grant: Grant, at date: Date = Date()) -> CallbackEvent? {
        guard self.callbacks[grant.caller] != nil else { return nil }
        let event = Components.Schemas.GrantEvent(_type: type, timestamp: AuditTimestamp.string(from: date), grant: .init(grant))
        guard let body = try? Self.encoder.encode(event) else { return nil }
        return CallbackEvent(id: TimeOrderedID.make(prefix: "msg_", now: date), caller: grant.caller, body: body)
    }
}

/// Where one outbox event is POSTed.
enum CallbackTarget: Sendable {
    /// A caller's grant callback, signed with Standard Webhooks.
    case signedCallback(GatewayConfiguration.Callback)
    /// A chat platform's reply URL (`response_url`, or a Teams incoming webhook), which authorizes the post itself.
    case chatReply(url: String)

    /// The attempts allowed: the configured number, and for chat at most 5, the posts Slack and Mattermost accept
    /// on one `response_url`.
    func attempts(allowed configured: Int) -> Int {
        switch self {
        case .signedCallback: configured
        case .chatReply: min(configured, 5)
        }
    }

    /// Whether an answer with `status` means the receiver will never take the event: 410 Gone (Standard
    /// Webhooks asks the sender to stop); for chat also 404, Slack's and Mattermost's answer for an expired or used
    /// `response_url`.
    func stopsOn(_ status: Int) -> Bool {
        switch self {
        case .signedCallback: status == 410
        case .chatReply: status == 410 || status == 404
        }
    }
}
