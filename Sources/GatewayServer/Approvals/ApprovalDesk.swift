import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import Logging

/// Holds requests that need a second person and records who decides them, whichever transport the request or
/// the decision came through.
///
/// - A request whose approval rule covers it is checked like any other (signature, input, policy), then stored
///   as pending with its `approval_requested` record and the notices to its approvers, in one transaction; it is
///   answered `pending_approval` (202). A repeat of the delivery finds the same request and acts on nothing.
/// - A decision is checked against the rule in force now: only a listed approver, never the requester, may
///   approve; the requester may deny (withdraw) their own request. The store applies it atomically with its
///   record and the requester's notice, so two approvers clicking at once are counted once each, and a request
///   approved once runs once: ``ApprovalExecutor`` polls for approved requests, so it starts within its poll
///   interval on whichever replica leases it.
struct ApprovalDesk: Sendable {
    /// Who decides.
    enum Decider: Sendable, Hashable {
        /// A person of a chat caller, found through the caller's user mapping.
        case person(name: String, caller: String)
        /// A caller deciding through `POST /v1/approvals/{id}`, naming the person it decides for.
        case caller(name: String, approver: String)

        /// The approver's name as recorded.
        var approver: String {
            switch self {
            case .person(let name, _), .caller(_, let name): name
            }
        }

        /// The caller the decision came through.
        var caller: String {
            switch self {
            case .person(_, let caller), .caller(let caller, _): caller
            }
        }

        /// Whose vote this is, as the store counts votes: the person, or for an approving caller the caller
        /// itself, so one caller's secret is one approver however many people it names (the person it named is on
        /// the audit record). The requesting caller withdrawing for its requester votes as the requester.
        func voter(on approval: ApprovalRequest) -> String {
            switch self {
            case .person(let name, _): name
            case .caller(let name, let approver): name == approval.caller ? approver : name
            }
        }

        /// Who decided, for the audit record: the person, and the approving caller that named them.
        func recordedName(on approval: ApprovalRequest) -> String {
            let voter = self.voter(on: approval)
            return voter == self.approver ? voter : "\(self.approver) via \(voter)"
        }
    }

    /// Why a decision was not recorded.
    struct Refusal: Sendable, Hashable {
        var code: ErrorCode
        var message: String
    }

    /// How a decision turned out.
    struct Decision: Sendable {
        /// The request after the decision, or as found when it was refused; `nil` when there is none to show.
        var approval: ApprovalRequest?
        /// `nil` when the verdict was recorded.
        var refusal: Refusal?
    }

    let store: any GatewayStore
    let callers: [String: GatewayConfiguration.Caller]
    let notices: ApprovalNotices
    let metrics: GatewayMetrics

    init(store: any GatewayStore, callers: [GatewayConfiguration.Caller], notices: ApprovalNotices, metrics: GatewayMetrics) {
        self.store = store
        self.callers = Dictionary(callers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.notices = notices
        self.metrics = metrics
    }

    /// The rule `request` is held under, if any: the person's own rule, or else the caller's.
    static func rule(for request: ActionRequest, caller: GatewayConfiguration.Caller, authority: RequestAuthority) -> ApprovalRule? {
        let rule: ApprovalRule?
        switch authority {
        case .caller: rule = caller.approval
        case .person(let person): rule = person.approval ?? caller.approval
        // Ending one's own grant early only reduces access.
        case .grantHolder: rule = nil
        }
        guard let rule, rule.requiresApproval(action: request.action, kind: request.kind, id: request.id, duration: request.duration) else { return nil }
        return rule
    }

    /// Stores `request` as pending and answers `pending_approval`; a repeat of the delivery answers with the
    /// request as it stands, and acts on nothing.
    ///
    /// - Parameters:
    ///   - requester: who asks; never one of the request's approvers.
    ///   - replyTo: where the requester hears of the decision and the result.
    func hold(
        _ request: ActionRequest, rule: ApprovalRule, requester: String, verified: VerifiedRequest, builder: ActionResultBuilder,
        replyTo: CallbackEvent.Destination?, logger: Logger
    ) async -> ActionAnswer {
        let now = Date()
        let pending = ApprovalRequest(
            id: TimeOrderedID.make(prefix: "apr_", now: now),
            caller: verified.caller.name,
            deliveryID: Self.deliveryID(of: verified),
            requestID: verified.requestID,
            requestedBy: requester,
            platform: verified.caller.chat?.platform.rawValue,
            action: request.action, targetKind: request.kind, targetID: request.id, ticket: request.ticket, reason: request.reason,
            duration: request.duration,
            requiredApprovals: rule.requiredApprovals,
            createdAt: now, expiresAt: now.addingTimeInterval(rule.expiresAfter.timeInterval),
            reply: replyTo
        )
        let event = AuditEvent(approval: pending, decision: .approvalRequested, requestID: verified.requestID, at: now)
        let creation: ApprovalCreation
        do {
            creation = try await self.store.createApproval(pending, event: event, notices: self.notices.requested(pending, rule: rule))
        } catch let error as StoreError where error == .notDurable {
            return ActionAnswer(builder.problem(code: .storeUnavailable, detail: "approvals need the durable store, and this gateway runs without one; nothing was done"))
        } catch {
            logger.error("Could not store a request for approval; nothing was done", metadata: ["error": "\(error)"])
            let result = builder.problem(code: .storeUnavailable, detail: "the gateway could not store the request for approval; nothing was done. Send again shortly")
            return ActionAnswer(result)
        }
        var result = builder.base(outcome: .pendingApproval)
        switch creation {
        case .created(let approval):
            logger.notice("Request held for approval", metadata: ["approval.id": "\(approval.id)", "approvals.required": "\(approval.requiredApprovals)"])
            self.metrics.recordApproval(caller: approval.caller, state: .pending)
            result.approval = approval
            return ActionAnswer(result)
        case .existing(let approval):
            result.approval = approval
            var answer = ActionAnswer(result)
            answer.isReplay = true
            return answer
        }
    }

    /// The delivery a held request is known by, so a repeat finds it: for an API caller the id its signature covers
    /// (an unsigned `Idempotency-Key` could be changed to make a captured request ask again), for a chat caller the
    /// platform's interaction id.
    private static func deliveryID(of verified: VerifiedRequest) -> String {
        let signed = verified.caller.chat == nil ? verified.signedDeliveryID : nil
        return signed ?? verified.deliveryID ?? "request:" + verified.requestID
    }

    /// Records `decider`'s `verdict` on the request `approvalID`.
    ///
    /// - Parameters:
    ///   - decisionReply: where the decider's message shows the result once the approved action ran (a Slack
    ///     click's `response_url`).
    ///   - requestID: the gateway request that carried the decision, on its audit record.
    func decide(
        _ approvalID: String, verdict: ApprovalVerdict, by decider: Decider, decisionReply: CallbackEvent.Destination?, requestID: String, logger: Logger
    ) async -> Decision {
        guard ChatCommand.isIdentifier(approvalID, prefix: "apr_") else {
            return Decision(refusal: Refusal(code: .approvalNotFound, message: "'\(excerpt(approvalID))' is not an approval id (apr_ and 32 hex digits)"))
        }
        let found: ApprovalRequest?
        do {
            found = try await self.store.approval(id: approvalID)
        } catch {
            return Self.storeUnavailable(error, logger: logger)
        }
        guard let found, found.caller == decider.caller || self.rule(of: found)?.approverCallers.contains(decider.caller) == true else {
            return Decision(refusal: Refusal(code: .approvalNotFound, message: "no approval request \(excerpt(approvalID)) is visible to this caller"))
        }
        if let refusal = self.refusal(of: decider, verdict: verdict, on: found) {
            return Decision(approval: found, refusal: refusal)
        }
        let now = Date()
        let decision: AuditDecision = verdict == .approve ? .approvalGranted : .approvalDenied
        let voter = decider.voter(on: found)
        let event = AuditEvent(approval: found, decision: decision, requestID: requestID, requestedBy: decider.recordedName(on: found), at: now)
        let result: ApprovalDecisionResult
        do {
            result = try await self.store.decideApproval(
                id: approvalID, verdict: verdict, approver: voter, now: now, event: event, decisionReply: decisionReply,
                notices: { [notices] approval in notices.decided(approval) }
            )
        } catch {
            return Self.storeUnavailable(error, logger: logger)
        }
        switch result {
        case .recorded(let approval):
            logger.notice(
                "Approval decision recorded",
                metadata: ["approval.id": "\(approval.id)", "approval.state": "\(approval.state.rawValue)", "approver": "\(decider.approver)"]
            )
            if approval.state != .pending { self.metrics.recordApproval(caller: approval.caller, state: approval.state) }
            return Decision(approval: approval)
        case .alreadyDecided(let approval):
            return Decision(approval: approval, refusal: Refusal(code: .approvalDecided, message: Self.alreadyDecided(approval)))
        case .alreadyVoted(let approval):
            let missing = approval.requiredApprovals - approval.votes.count
            return Decision(approval: approval, refusal: Refusal(
                code: .approvalAlreadyGiven, message: "\(voter) has already approved \(approval.id); it needs \(missing) more approver\(missing == 1 ? "" : "s")"
            ))
        case .requesterCannotApprove:
            return Decision(approval: found, refusal: Refusal(code: .requesterCannotApprove, message: "\(decider.approver) asked for \(found.id) and cannot approve it"))
        case .notFound:
            return Decision(refusal: Refusal(code: .approvalNotFound, message: "no approval request \(excerpt(approvalID)) is visible to this caller"))
        }
    }

    /// The request `id` if `caller` may see it: its own, or one it may approve.
    func approval(id: String, visibleTo caller: String) async throws -> ApprovalRequest? {
        // Not an id the gateway makes: no store read, and nothing of it reaches a log or an audit record.
        guard ChatCommand.isIdentifier(id, prefix: "apr_") else { return nil }
        guard let approval = try await self.store.approval(id: id), self.isVisible(approval, to: caller) else { return nil }
        return approval
    }

    /// The requests `caller` may see, newest first: its own and those it may approve.
    func approvals(state: ApprovalState?, visibleTo caller: String, limit: Int) async throws -> [ApprovalRequest] {
        // Its own, and those of each caller with a rule that names it, newest first: one indexed read per caller.
        let owners = [caller] + self.callers.values.filter { owner in self.rules(of: owner).contains { $0.approverCallers.contains(caller) } }.map(\.name).sorted()
        var visible: [ApprovalRequest] = []
        for owner in owners {
            visible += try await self.store.approvals(state: state, caller: owner, limit: limit).filter { self.isVisible($0, to: caller) }
        }
        return Array(visible.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(limit))
    }

    private func isVisible(_ approval: ApprovalRequest, to caller: String) -> Bool {
        approval.caller == caller || self.rule(of: approval)?.approverCallers.contains(caller) == true
    }

    /// Every rule a caller holds requests under: its own and its people's.
    private func rules(of caller: GatewayConfiguration.Caller) -> [ApprovalRule] {
        [caller.approval].compactMap { $0 } + (caller.chat?.people.values.compactMap(\.approval) ?? [])
    }

    /// The rule in force now for a stored request: its person's, or its caller's. `nil` once the configuration
    /// no longer has one, when nobody may approve it any more (it can still be denied, and it expires).
    func rule(of approval: ApprovalRequest) -> ApprovalRule? {
        guard let caller = self.callers[approval.caller] else { return nil }
        let person = caller.chat?.person(named: approval.requestedBy)
        return person?.approval ?? caller.approval
    }

    /// Why `decider` may not give `verdict` on `approval`, checked before the store is written; `nil` if they may.
    private func refusal(of decider: Decider, verdict: ApprovalVerdict, on approval: ApprovalRequest) -> Refusal? {
        let isRequester = decider.approver == approval.requestedBy && decider.caller == approval.caller
        if verdict == .deny, isRequester { return nil }
        if verdict == .approve, decider.approver == approval.requestedBy {
            return Refusal(code: .requesterCannotApprove, message: "\(decider.approver) asked for \(approval.id) and cannot approve it")
        }
        guard let rule = self.rule(of: approval) else {
            return Refusal(code: .approverNotAllowed, message: "no approval rule covers \(approval.id) any longer: it can only be denied by its requester, or expire")
        }
        switch decider {
        case .person(let name, let caller):
            // Approvers are people of the request's own caller: a namesake elsewhere is someone else.
            guard caller == approval.caller, rule.allows(approver: name, forRequestOf: approval.requestedBy) else {
                return Refusal(code: .approverNotAllowed, message: "\(name) is not an approver of \(approval.requestedBy)'s requests")
            }
        case .caller(let name, _):
            guard rule.approverCallers.contains(name) else {
                return Refusal(code: .approverNotAllowed, message: "caller \(name) may not decide \(approval.requestedBy)'s requests")
            }
        }
        return nil
    }

    /// "already approved by bob at 2026-12-06 10:02 UTC", and the like.
    static func alreadyDecided(_ approval: ApprovalRequest) -> String {
        let when = approval.decidedAt.map { " at \(ChatTime.utc($0))" } ?? ""
        let by = approval.decidedBy.map { " by \($0)" } ?? ""
        switch approval.state {
        case .pending: return "\(approval.id) is still pending"
        case .approved: return "\(approval.id) was already approved\(by)\(when); it is running"
        case .executed: return "\(approval.id) was already approved\(by)\(when), and ran as \(approval.executionRequestID ?? "a request")"
        case .denied: return "\(approval.id) was already denied\(by)\(when)"
        case .expired: return "\(approval.id) expired\(when) without enough approvals"
        }
    }

    private static func storeUnavailable(_ error: any Error, logger: Logger) -> Decision {
        logger.error("Could not read or write an approval request", metadata: ["error": "\(error)"])
        return Decision(refusal: Refusal(code: .storeUnavailable, message: "the gateway could not use its durable store; nothing was decided. Try again shortly"))
    }
}
