import Foundation
import GatewayStore
import GatewayVocabulary
import SeguraClient

/// The answer to one action, success or failure alike: `ActionResult` in `openapi.yaml`, in the gateway's own
/// vocabulary. ``json()`` renders it; the HTTP status follows from the error code.
struct ActionResult: Sendable {
    /// Why the action did not succeed: the stable code, this occurrence explained, and Segura's answer if it had one.
    struct Failure: Sendable {
        var code: ErrorCode
        var message: String
        var retryable: Bool
        var upstream: UpstreamFacts?
    }

    var requestID: String
    /// The decoded request, once the body was read.
    var request: ActionRequest?
    /// The verified caller, once the signature verified.
    var caller: String?
    /// Who asked: the request's `requested_by`, or for a chat caller the person its user mapping found (known
    /// before the request is read, so refusals of unreadable commands name them too).
    var requestedBy: String?
    var outcome: Outcome
    /// Requests sent to Segura.
    var attempts: Int
    var latency: Duration
    var failure: Failure?
    /// The time-bound grant the action opened, extended or ended, as it stands after the action.
    var grant: Grant?
    /// The approval request a `pending_approval` answer waits for.
    var approval: ApprovalRequest?

    /// 200, 202 while the request waits for approval, or the catalogue's status for the error code.
    var status: Int { self.failure?.code.httpStatus ?? (self.outcome == .pendingApproval ? 202 : 200) }

    /// How the audit trail records this answer.
    var auditDecision: AuditDecision {
        switch self.outcome {
        case .applied: .applied
        case .alreadyInState: .alreadyInState
        case .unknown: .unknown
        case .pendingApproval: .approvalRequested
        case .notApplied: self.failure.map { ErrorCatalogue.entry(for: $0.code).auditDecision } ?? .failed
        }
    }

    /// Whether a repeat of the delivery must get this same answer for as long as the delivery is remembered; an
    /// answer a retry could change (a retryable failure, an unknown outcome) is not final.
    var isFinal: Bool { self.outcome != .unknown && self.failure?.retryable != true }

    /// `application/json` for a success, `application/problem+json` (RFC 9457) for anything else.
    var contentType: String { self.failure == nil ? "application/json" : "application/problem+json" }
}

/// Builds ``ActionResult``s for one request, from what is known so far (caller, decoded request), timing each
/// from the moment the request arrived.
struct ActionResultBuilder: Sendable {
    var requestID: String
    var request: ActionRequest? {
        didSet { self.requestedBy = self.request?.requestedBy ?? self.requestedBy }
    }
    var caller: String?
    var receivedAt: ContinuousClock.Instant
    /// Who asked, when known (``ActionResult/requestedBy``); set from the request once it is read.
    var requestedBy: String?

    init(requestID: String, request: ActionRequest?, caller: String?, receivedAt: ContinuousClock.Instant) {
        self.requestID = requestID
        self.request = request
        self.caller = caller
        self.receivedAt = receivedAt
        self.requestedBy = request?.requestedBy
    }

    /// A success or upstream-failure answer from a Segura result.
    func result(_ segura: SeguraResult) -> ActionResult {
        guard let failure = segura.failure else {
            return self.base(outcome: segura.outcome, attempts: segura.attempts)
        }
        return self.problem(
            code: failure.code, detail: failure.message, outcome: segura.outcome, retryable: failure.retryable, upstream: segura.upstream,
            attempts: segura.attempts
        )
    }

    /// A success answered without asking Segura (the target was already so).
    func success(outcome: Outcome) -> ActionResult {
        self.base(outcome: outcome, attempts: 0)
    }

    /// A failure answer: RFC 9457 members plus the stable `error` object.
    func problem(
        code: ErrorCode, detail: String, outcome: Outcome = .notApplied, retryable: Bool? = nil, upstream: UpstreamFacts? = nil, attempts: Int = 0
    ) -> ActionResult {
        var result = self.base(outcome: outcome, attempts: attempts)
        result.failure = .init(code: code, message: detail, retryable: retryable ?? ErrorCatalogue.entry(for: code).retryable, upstream: upstream)
        return result
    }

    /// A result with no error yet: what the builder knows, timed now.
    func base(outcome: Outcome, attempts: Int = 0) -> ActionResult {
        ActionResult(
            requestID: self.requestID, request: self.request, caller: self.caller, requestedBy: self.requestedBy, outcome: outcome, attempts: attempts,
            latency: ContinuousClock.now - self.receivedAt
        )
    }
}
