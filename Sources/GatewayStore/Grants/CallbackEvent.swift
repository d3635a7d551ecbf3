import Foundation

/// A grant event for a caller's callback, kept in the outbox from the transaction of the transition it
/// announces until it is delivered: a process killed in between sends it after its restart.
public struct CallbackEvent: Sendable, Hashable {
    /// The Standard Webhooks `webhook-id` (`msg_…`), the same on every retry.
    public var id: String
    /// The caller whose callback receives it.
    public var caller: String
    /// The exact JSON body, the same on every retry.
    public var body: Data

    /// Creates an event; see each property.
    public init(id: String, caller: String, body: Data) {
        self.id = id
        self.caller = caller
        self.body = body
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
