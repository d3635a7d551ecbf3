import Foundation

/// An event in the outbox, kept from the transaction that decided it until it is delivered: a process killed in
/// between sends it after its restart.
///
/// Most are grant events for a caller's signed callback; a chat caller's reply to the person who asked goes
/// through the outbox too, so an answer decided before a crash still reaches the chat, and so do the notices that
/// show approvers an approval request and its outcome.
public struct CallbackEvent: Sendable, Hashable {
    /// Where an outbox event goes.
    public enum Destination: Sendable, Hashable {
        /// The caller's grant callback, signed with Standard Webhooks.
        case callback
        /// A chat reply posted as is to this URL: a Slack or Mattermost `response_url`.
        case chatReply(url: String)
        /// A chat reply posted to the caller's configured incoming webhook (Microsoft Teams).
        case chatWebhook
        /// Posted to the caller's configured approval channel (an incoming webhook of Slack, Mattermost or a Teams
        /// Workflows webhook), where approvers see the request.
        case approvalChannel
    }

    /// The Standard Webhooks `webhook-id` (`msg_…`), the same on every retry.
    public var id: String
    /// The caller it belongs to, whose callback or incoming webhook receives it.
    public var caller: String
    /// The exact JSON body, the same on every retry.
    public var body: Data
    /// Where it goes.
    public var destination: Destination

    /// Creates an event; see each property.
    public init(id: String, caller: String, body: Data, destination: Destination = .callback) {
        self.id = id
        self.caller = caller
        self.body = body
        self.destination = destination
    }
}

/// A `response_url` is a capability: whoever holds it can post into the person's conversation. So a destination
/// describes itself by its kind alone, in logs and in `dump`; the URL is read by matching the case (the stores
/// read it through ``url``).
extension CallbackEvent.Destination: CustomStringConvertible, CustomReflectable {
    /// The kind, as the stores record it: `callback`, `chat_reply`, `chat_webhook` or `approval_channel`.
    public var description: String { self.kind }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .enum) }

    /// The kind as stored, without the URL.
    package var kind: String {
        switch self {
        case .callback: "callback"
        case .chatReply: "chat_reply"
        case .chatWebhook: "chat_webhook"
        case .approvalChannel: "approval_channel"
        }
    }

    /// The `chatReply` URL, stored beside the kind; `nil` for the others.
    package var url: String? {
        guard case .chatReply(let url) = self else { return nil }
        return url
    }

    /// The destination a stored kind and URL describe; throws ``StoreError/corruptedData`` for a pair no
    /// destination writes (an unknown kind, a `chat_reply` without its URL, a URL on another kind).
    package init(kind: String, url: String?) throws {
        switch (kind, url) {
        case ("callback", nil): self = .callback
        case ("chat_reply", let url?): self = .chatReply(url: url)
        case ("chat_webhook", nil): self = .chatWebhook
        case ("approval_channel", nil): self = .approvalChannel
        default: throw StoreError.corruptedData
        }
    }

    /// The destination a nullable stored kind and URL describe, `nil` when both are NULL; throws
    /// ``StoreError/corruptedData`` for a URL without a kind, and as ``init(kind:url:)`` does.
    package static func stored(kind: String?, url: String?) throws -> Self? {
        guard let kind else {
            guard url == nil else { throw StoreError.corruptedData }
            return nil
        }
        return try Self(kind: kind, url: url)
    }
}

/// An outbox event leased to one delivery attempt.
public struct CallbackDelivery: Sendable, Hashable {
    /// The event.
    public var event: CallbackEvent
    /// Attempts so far, this one included.
    public var attempt: Int

    package init(event: CallbackEvent, attempt: Int) {
        self.event = event
        self.attempt = attempt
    }
}

/// How a delivery attempt ended.
public enum CallbackResult: Sendable, Hashable {
    /// The receiver answered 2xx: the event leaves the outbox.
    case delivered
    /// Try again at this time.
    case retry(at: Date)
    /// Give up (410 Gone, or out of attempts): the event leaves the outbox undelivered.
    case abandoned
}
