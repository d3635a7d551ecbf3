import Foundation
import GatewayVocabulary

/// One decision of the gateway, as it goes into the audit trail.
///
/// It holds what an auditor needs to answer "who asked for what, on which ticket, and what happened", and
/// deliberately has no field for a secret, a signature, a token or a body: nothing in the trail can be used
/// to forge or replay a request. Values are stored verbatim, so the server must not put unverified free text
/// here (for a request whose signature failed, leave the ticket and target empty).
///
/// Times are kept to the millisecond: the setters round, so an event reads back equal to what was written.
public struct AuditEvent: Sendable, Hashable {
    /// The gateway's id for the request (`X-Request-Id`).
    public var requestID: String
    /// The sender's delivery id, linking the event to its idempotency key.
    public var deliveryID: String?
    /// The verified caller; `nil` when the request could not be attributed to one.
    public var caller: String?
    /// What was decided.
    public var decision: AuditDecision
    /// The ticket that justified the request.
    public var ticket: String?
    /// The requested action.
    public var action: TargetAction?
    /// The kind of Segura object.
    public var targetKind: TargetKind?
    /// The Segura object's id.
    public var targetID: String?
    /// The normalized outcome.
    public var outcome: Outcome?
    /// The HTTP status Segura (or Kong) answered with.
    public var upstreamStatus: Int?
    /// Segura's numbered code, e.g. 1043.
    public var seguraCode: Int?
    /// The gateway's stable error code.
    public var errorCode: ErrorCode?
    /// How many upstream attempts were made.
    public var attempts: Int
    /// Time spent answering, in milliseconds.
    public var latencyMilliseconds: Int?
    /// Who asked, as the caller names them: for a chat caller, the person its user mapping resolved (never text the person typed).
    public var requestedBy: String?
    /// The chat platform the decision came through (`slack`, `teams`, `mattermost`); `nil` for API callers.
    public var platform: String?
    private var receivedAtMilliseconds: Int64
    private var occurredAtMilliseconds: Int64

    /// When the request arrived.
    public var receivedAt: Date {
        get { Date(millisecondsSince1970: self.receivedAtMilliseconds) }
        set { self.receivedAtMilliseconds = newValue.millisecondsSince1970 }
    }

    /// When the decision was made; what ``GatewayStore/auditRecords(since:afterSequence:)`` filters on.
    public var occurredAt: Date {
        get { Date(millisecondsSince1970: self.occurredAtMilliseconds) }
        set { self.occurredAtMilliseconds = newValue.millisecondsSince1970 }
    }

    /// Creates an event; only the request id, decision and times are required.
    public init(
        requestID: String,
        deliveryID: String? = nil,
        caller: String?,
        decision: AuditDecision,
        ticket: String? = nil,
        action: TargetAction? = nil,
        targetKind: TargetKind? = nil,
        targetID: String? = nil,
        outcome: Outcome? = nil,
        upstreamStatus: Int? = nil,
        seguraCode: Int? = nil,
        errorCode: ErrorCode? = nil,
        attempts: Int = 0,
        latencyMilliseconds: Int? = nil,
        requestedBy: String? = nil,
        platform: String? = nil,
        receivedAt: Date,
        occurredAt: Date
    ) {
        self.requestID = requestID
        self.deliveryID = deliveryID
        self.caller = caller
        self.decision = decision
        self.ticket = ticket
        self.action = action
        self.targetKind = targetKind
        self.targetID = targetID
        self.outcome = outcome
        self.upstreamStatus = upstreamStatus
        self.seguraCode = seguraCode
        self.errorCode = errorCode
        self.attempts = attempts
        self.latencyMilliseconds = latencyMilliseconds
        self.requestedBy = requestedBy
        self.platform = platform
        self.receivedAtMilliseconds = receivedAt.millisecondsSince1970
        self.occurredAtMilliseconds = occurredAt.millisecondsSince1970
    }
}
