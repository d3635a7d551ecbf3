import Foundation
import GatewayVocabulary

/// How ``ApprovalStore/createApproval(_:event:notices:)`` turned out.
public enum ApprovalCreation: Sendable, Hashable {
    /// The request was stored as pending, with its `approval_requested` record and its notices.
    case created(ApprovalRequest)
    /// The caller's delivery already asked: its request, as it is now; nothing was written.
    case existing(ApprovalRequest)
}

/// One person's answer to a pending request.
public enum ApprovalVerdict: Sendable, Hashable {
    case approve
    case deny
}

/// How ``ApprovalStore/decideApproval(id:verdict:approver:now:event:decisionReply:notices:)`` turned out.
public enum ApprovalDecisionResult: Sendable, Hashable {
    /// The verdict was applied with its record and notices: the request is pending (more approvals needed), approved
    /// or denied.
    case recorded(ApprovalRequest)
    /// The request is no longer pending (approved, denied, expired or executed); nothing changed.
    case alreadyDecided(ApprovalRequest)
    /// The requester tried to approve their own request; nothing changed. (They may deny it, which withdraws it.)
    case requesterCannotApprove
    /// This approver already approved; nothing changed.
    case alreadyVoted(ApprovalRequest)
    /// No such request.
    case notFound
}

/// Approval requests: privileged requests held until other people approve them, then run exactly once.
///
/// Every change commits with its audit record and its notices in one transaction, through the store's group commit.
/// The notices are outbox events (``CallbackEvent``), such as the message that shows approvers the request or its
/// outcome: written with the change, they are sent even when the process dies right after it. A request's life:
///
/// | From | Event | To |
/// | --- | --- | --- |
/// | (none) | ``createApproval(_:event:notices:)`` | `pending` |
/// | `pending` | an approval, more needed | `pending`, one more vote |
/// | `pending` | the last approval needed | `approved` |
/// | `pending` | a denial | `denied` |
/// | `pending` | its expiry passes (``expireDueApprovals(now:limit:expiredEvent:notices:)``, or a decision that comes too late) | `expired` |
/// | `approved` | ``completeApprovalExecution(id:requestID:now:)`` | `executed` |
public protocol ApprovalStore: Sendable {
    /// Stores `request` as pending with its `approval_requested` record `event` and its `notices`, in one
    /// transaction, unless the caller's delivery (``ApprovalRequest/caller``, ``ApprovalRequest/deliveryID``)
    /// already asked: then nothing is written, so a repeated delivery does not notify approvers again.
    ///
    /// - Throws: ``StoreError/invalidArgument`` unless `request` is pending, undecided, has no votes and needs at
    ///   least one.
    func createApproval(_ request: ApprovalRequest, event: AuditEvent, notices: [CallbackEvent]) async throws -> ApprovalCreation

    /// Atomically applies `approver`'s `verdict` at `now`; `event` (`approval_granted` or `approval_denied`) and
    /// the events `notices` makes of the request as stored are written in the same transaction, only when the
    /// verdict was applied. A verdict that approves or denies the request stores `decisionReply` on it
    /// (``ApprovalRequest/decisionReply``); one more approval that leaves it pending does not.
    ///
    /// A pending request whose ``ApprovalRequest/expiresAt`` is at or before `now` is expired first, with an
    /// `approval_expired` record and the notices of the expired request, and answered
    /// ``ApprovalDecisionResult/alreadyDecided(_:)``. The checks run in this order: found, still pending, not the
    /// requester approving, not a second approval by one approver.
    func decideApproval(
        id: String, verdict: ApprovalVerdict, approver: String, now: Date, event: AuditEvent, decisionReply: CallbackEvent.Destination?,
        notices: @escaping @Sendable (ApprovalRequest) -> [CallbackEvent]
    ) async throws -> ApprovalDecisionResult

    /// Leases up to `limit` approved, not yet executed requests to `owner` until `now + lease`, earliest due
    /// first: one executor at a time. A lease never completed (its process died) falls due again when it ends.
    func claimApprovedForExecution(now: Date, limit: Int, lease: Duration, owner: String) async throws -> [ApprovalRequest]

    /// Marks `id` executed by the pipeline request `requestID` if it is still approved; returns whether it did
    /// (`false` when it was already executed, or is not approved).
    func completeApprovalExecution(id: String, requestID: String, now: Date) async throws -> Bool

    /// Expires up to `limit` pending requests whose expiry is at or before `now`, each with the record
    /// `expiredEvent` makes of it and the events `notices` makes of it (both given the request as expired), in one
    /// transaction; returns them as expired.
    func expireDueApprovals(
        now: Date, limit: Int, expiredEvent: @escaping @Sendable (ApprovalRequest) -> AuditEvent,
        notices: @escaping @Sendable (ApprovalRequest) -> [CallbackEvent]
    ) async throws -> [ApprovalRequest]

    /// When approvals next need the due-work loop: the earliest pending expiry, or approved request's lease end.
    /// An approved request nobody leased is due from the moment it was approved (a time already past); `nil` if
    /// nothing is due ever.
    func nextApprovalDue() async throws -> Date?

    /// The request `id`, in whatever state.
    func approval(id: String) async throws -> ApprovalRequest?

    /// Requests newest first, at most `limit`; a `nil` filter matches anything.
    func approvals(state: ApprovalState?, caller: String?, limit: Int) async throws -> [ApprovalRequest]
}

/// What a decision does to a stored request: the rule both stores apply inside their write transaction.
package enum ApprovalDecisionPlan: Equatable {
    /// Nothing changes; answer this.
    case answer(ApprovalDecisionResult)
    /// The request is past its expiry: store it as given (expired), record `approval_expired` and its notices, answer
    /// `alreadyDecided`.
    case expire(ApprovalRequest)
    /// Store the request as given, with `vote` added when it is an approval, and record the verdict's event and its
    /// notices.
    case apply(ApprovalRequest, vote: ApprovalVote?)

    /// The plan for `approver`'s `verdict` at `now` on `stored`; a verdict that decides the request keeps
    /// `decisionReply` on it.
    package init(_ stored: ApprovalRequest?, verdict: ApprovalVerdict, approver: String, now: Date, decisionReply: CallbackEvent.Destination?) {
        guard var request = stored else {
            self = .answer(.notFound)
            return
        }
        guard request.state == .pending else {
            self = .answer(.alreadyDecided(request))
            return
        }
        guard now < request.expiresAt else {
            self = .expire(request.expired())
            return
        }
        switch verdict {
        case .deny:
            request.decide(.denied, by: approver, at: now, reply: decisionReply)
            self = .apply(request, vote: nil)
        case .approve:
            guard approver != request.requestedBy else {
                self = .answer(.requesterCannotApprove)
                return
            }
            guard !request.votes.contains(where: { $0.approver == approver }) else {
                self = .answer(.alreadyVoted(request))
                return
            }
            let vote = ApprovalVote(approver: approver, at: now)
            request.votes.append(vote)
            if request.votes.count >= request.requiredApprovals {
                request.decide(.approved, by: approver, at: now, reply: decisionReply)
            }
            self = .apply(request, vote: vote)
        }
    }
}

extension ApprovalRequest {
    /// Moves this pending request to `state`, decided by `approver` at `now`, its decider's message at `reply`.
    fileprivate mutating func decide(_ state: ApprovalState, by approver: String, at now: Date, reply: CallbackEvent.Destination?) {
        self.state = state
        self.decidedBy = approver
        self.decidedAt = now
        self.decisionReply = reply
    }

    /// This pending request as expired: decided by nobody, at its expiry.
    package func expired() -> ApprovalRequest {
        var request = self
        request.state = .expired
        request.decidedBy = nil
        request.decidedAt = self.expiresAt
        return request
    }

    /// When the due-work loop next acts on the request, before any lease: a pending one at its expiry, an approved
    /// one from its approval; the others never.
    package var dueAt: Date? {
        switch self.state {
        case .pending: self.expiresAt
        case .approved: self.decidedAt ?? self.createdAt
        case .denied, .expired, .executed: nil
        }
    }

    /// Whether the request may be created as is: pending, undecided, no votes, at least one approval needed.
    package var isNew: Bool {
        self.state == .pending && self.votes.isEmpty && self.requiredApprovals >= 1 && self.decidedAt == nil && self.decisionReply == nil
            && self.executionRequestID == nil
    }
}
