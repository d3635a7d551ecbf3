import Foundation
import GatewayVocabulary

/// Where an approval request is in its life.
///
/// Only `pending` takes votes; `approved` waits for its action to run once, and the others are final.
public enum ApprovalState: String, Sendable, Hashable, CaseIterable {
    /// Waiting for approvers, until its expiry.
    case pending
    /// Enough approvers approved: the action is due to run, exactly once.
    case approved
    /// An approver, or the requester, denied it: the action never runs.
    case denied
    /// Its expiry passed undecided: the action never runs.
    case expired
    /// The approved action ran (see ``ApprovalRequest/executionRequestID``).
    case executed
}

/// One approver's approval of a request. The time keeps millisecond precision, like every stored time.
public struct ApprovalVote: Sendable, Hashable {
    /// Who approved, as the policy names approvers.
    public var approver: String
    private var atMilliseconds: Int64

    /// When they approved.
    public var at: Date {
        get { Date(millisecondsSince1970: self.atMilliseconds) }
        set { self.atMilliseconds = newValue.millisecondsSince1970 }
    }

    /// Creates a vote; see each property.
    public init(approver: String, at: Date) {
        self.approver = approver
        self.atMilliseconds = at.millisecondsSince1970
    }
}

/// A privileged request held until other people approve it: the action it asks for runs only once it is
/// ``ApprovalState/approved``, and then exactly once.
///
/// Times keep millisecond precision (the setters round), so a request reads back equal to what was written.
public struct ApprovalRequest: Sendable, Hashable {
    /// `apr_` and 32 hex digits, time-ordered (see ``TimeOrderedID``).
    public var id: String
    /// The caller that asked.
    public var caller: String
    /// The asking delivery: (``caller``, ``deliveryID``) is unique, so a repeated delivery finds the same request.
    public var deliveryID: String
    /// The gateway request that asked.
    public var requestID: String
    /// The person who asked; they may deny (withdraw) their own request, never approve it.
    public var requestedBy: String
    /// The chat platform the request came through; `nil` for API callers.
    public var platform: String?
    /// The action to run once approved.
    public var action: TargetAction
    /// The Segura object kind.
    public var targetKind: TargetKind
    /// The Segura object id.
    public var targetID: Int
    /// The ticket that justified the request.
    public var ticket: String
    /// Why the requester asked, as they gave it.
    public var reason: String?
    /// How long the enable should last, if it is time-bound (stored to the millisecond).
    public var duration: Duration?
    /// How many distinct approvers must approve; at least 1.
    public var requiredApprovals: Int
    /// The approvals so far, in order.
    public var votes: [ApprovalVote]
    /// Where the request is in its life.
    public var state: ApprovalState
    private var createdAtMilliseconds: Int64
    private var expiresAtMilliseconds: Int64
    private var decidedAtMilliseconds: Int64?
    /// Who denied it, or whose vote completed the approval; `nil` while pending and for an expired request.
    public var decidedBy: String?
    /// Where the requester hears back: a chat reply URL, the caller's Teams webhook, or its signed callback.
    public var reply: CallbackEvent.Destination?
    /// Where the decider's message is updated: the Slack `response_url` of the click that decided it; `nil` while
    /// pending, for an expired request, and when the decision came without one.
    public var decisionReply: CallbackEvent.Destination?
    /// The pipeline request that ran the approved action, once it did.
    public var executionRequestID: String?

    /// When the request was made.
    public var createdAt: Date {
        get { Date(millisecondsSince1970: self.createdAtMilliseconds) }
        set { self.createdAtMilliseconds = newValue.millisecondsSince1970 }
    }

    /// When a pending request expires undecided.
    public var expiresAt: Date {
        get { Date(millisecondsSince1970: self.expiresAtMilliseconds) }
        set { self.expiresAtMilliseconds = newValue.millisecondsSince1970 }
    }

    /// When it was approved or denied, or its expiry for an expired request; `nil` while pending.
    public var decidedAt: Date? {
        get { self.decidedAtMilliseconds.map(Date.init(millisecondsSince1970:)) }
        set { self.decidedAtMilliseconds = newValue?.millisecondsSince1970 }
    }

    /// Creates a request; see each property. A new request is pending with no votes.
    public init(
        id: String,
        caller: String,
        deliveryID: String,
        requestID: String,
        requestedBy: String,
        platform: String? = nil,
        action: TargetAction,
        targetKind: TargetKind,
        targetID: Int,
        ticket: String,
        reason: String? = nil,
        duration: Duration? = nil,
        requiredApprovals: Int = 1,
        votes: [ApprovalVote] = [],
        state: ApprovalState = .pending,
        createdAt: Date,
        expiresAt: Date,
        decidedBy: String? = nil,
        decidedAt: Date? = nil,
        reply: CallbackEvent.Destination? = nil,
        decisionReply: CallbackEvent.Destination? = nil,
        executionRequestID: String? = nil
    ) {
        self.id = id
        self.caller = caller
        self.deliveryID = deliveryID
        self.requestID = requestID
        self.requestedBy = requestedBy
        self.platform = platform
        self.action = action
        self.targetKind = targetKind
        self.targetID = targetID
        self.ticket = ticket
        self.reason = reason
        self.duration = duration
        self.requiredApprovals = requiredApprovals
        self.votes = votes
        self.state = state
        self.createdAtMilliseconds = createdAt.millisecondsSince1970
        self.expiresAtMilliseconds = expiresAt.millisecondsSince1970
        self.decidedBy = decidedBy
        self.decidedAtMilliseconds = decidedAt?.millisecondsSince1970
        self.reply = reply
        self.decisionReply = decisionReply
        self.executionRequestID = executionRequestID
    }
}
