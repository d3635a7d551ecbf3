import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import Logging
import SeguraClient

/// The action pipeline: everything between a verified request and its answer, whichever transport brought it.
///
/// 1. Read the request (an ingress adapter says how: the JSON forms of `POST /v1/actions`), then the caller's
///    policy (400, 415, 422, 403).
/// 2. Hold it for approval when an approval rule covers it (``ApprovalDesk``): it is stored as pending and
///    answered `pending_approval` (202), and runs from step 3 once approved (``ApprovalExecutor``).
/// 3. Claim the delivery, with its `accepted` audit record (and, for an `enable` with a duration, its grant),
///    in one durable write. A repeat replays the stored answer without acting, a repeat in flight gets 409, a
///    reused key 422, a reused signature 401, a delivery another change overtook 409 `superseded`.
/// 4. Act under the target's lock (one change per target at a time), then record the outcome and the answer
///    in one durable write before answering.
///
/// Every answer is an ``ActionAnswer`` in the one result schema, failures of the gateway's own store included
/// (503 `store_unavailable`). Refusals are not stored against the delivery: they do not act, and a repeat is
/// refused again the same way (Stripe's idempotency keys behave alike).
struct ActionService: Sendable {
    let segura: SeguraClient
    let ledger: DeliveryLedger
    let serializer: TargetSerializer
    /// Grant callbacks for the outbox.
    let callbacks: CallbackEvents
    let refusals: Refusals
    let approvals: ApprovalDesk
    let metrics: GatewayMetrics

    /// Reads the request from the verified body, checks it and acts on it.
    ///
    /// - Parameters:
    ///   - read: the ingress adapter's reading of the verified request; its ``RequestValidationError`` is the
    ///     sender's answer.
    ///   - authority: whose rules the request is checked against.
    ///   - approved: the request's approvers approved it (``ApprovalExecutor`` runs it): it is not held again.
    ///   - reply: for a chat request, the reply announcing the outcome when the person was told "working on it";
    ///     it is written in the outcome's own transaction.
    func perform(
        _ verified: VerifiedRequest,
        read: (VerifiedRequest) throws(RequestValidationError) -> ActionRequest,
        authority: RequestAuthority = .caller,
        approved: Bool = false,
        reply: ChatReplyHook? = nil,
        logger: Logger
    ) async -> ActionAnswer {
        var builder = ActionResultBuilder(requestID: verified.requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
        let request: ActionRequest
        do {
            request = try read(verified)
        } catch {
            return await self.refuse(builder.problem(code: error.code, detail: error.message), verified, logger: logger)
        }
        builder.request = request
        if let violation = authority.violation(of: request, caller: verified.caller.policy) {
            return await self.refuse(builder.problem(code: violation.code, detail: violation.message), verified, logger: logger)
        }
        if !approved, let rule = ApprovalDesk.rule(for: request, caller: verified.caller, authority: authority) {
            guard let requester = builder.requestedBy else {
                // Without a requester nobody could be kept from approving their own request.
                let detail = "this request needs approval, so it must name requested_by, the person asking"
                return await self.refuse(builder.problem(code: .invalidRequest, detail: detail), verified, logger: logger)
            }
            let answer = await self.approvals.hold(
                request, rule: rule, requester: requester, verified: verified, builder: builder, replyTo: reply?.destination ?? .callback, logger: logger
            )
            self.metrics.recordRequest(
                caller: verified.caller.name, action: request.action, outcome: answer.errorCode == nil ? .pendingApproval : .notApplied, code: answer.errorCode,
                duration: ContinuousClock.now - verified.receivedAt
            )
            return answer
        }

        let acceptance = self.ledger.event(
            .accepted, verified.requestID, deliveryID: verified.deliveryID, caller: verified.caller.name, request: request, receivedAt: verified.receivedDate
        )
        let decision: DeliveryLedger.Decision
        do {
            decision = try await self.ledger.claim(verified, acceptance: acceptance, action: request)
        } catch let error as StoreError where error == .overloaded {
            let result = builder.problem(code: .gatewayOverloaded, detail: "the gateway's store has too many writes queued; send again shortly")
            self.refusals.shed(result, logger: logger)
            return ActionAnswer(result, retryAfter: .seconds(1))
        } catch {
            return ActionAnswer(self.refusals.storeUnavailable(instead: builder.base(outcome: .notApplied), error, logger: logger))
        }
        switch decision {
        case .act(let key):
            let change = Change(request: request, key: key, maximumDuration: authority.maximumDuration(caller: verified.caller.policy), reply: reply)
            return await self.act(change, verified: verified, builder: builder, logger: logger)
        case .replay(let stored):
            if let problem = await self.refusals.replay(builder, deliveryID: verified.deliveryID, receivedDate: verified.receivedDate, logger: logger) {
                return ActionAnswer(problem)
            }
            return ActionAnswer(replaying: stored)
        case .refuse(let code, let detail):
            return await self.refuse(builder.problem(code: code, detail: detail), verified, logger: logger)
        }
    }

    private func refuse(_ result: ActionResult, _ verified: VerifiedRequest, logger: Logger) async -> ActionAnswer {
        ActionAnswer(await self.refusals.refuse(result, deliveryID: verified.deliveryID, receivedDate: verified.receivedDate, logger: logger))
    }

    /// Acts and records the outcome under the target's lock, so the target's open grant read before acting is
    /// still the one the outcome changes, and a revocation of it runs wholly before or after.
    /// A claimed change and what decides its grant and its reply.
    private struct Change: Sendable {
        let request: ActionRequest
        let key: DeliveryKey
        /// The cap on the grant's run from its start (``RequestAuthority/maximumDuration(caller:)``).
        let maximumDuration: Duration?
        let reply: ChatReplyHook?
    }

    private func act(_ change: Change, verified: VerifiedRequest, builder: ActionResultBuilder, logger: Logger) async -> ActionAnswer {
        let request = change.request
        let result: ActionResult
        let json: [UInt8]
        var replyRecorded = false
        do {
            (result, json, replyRecorded) = try await self.serializer.withExclusiveAccess(
                to: Target(kind: request.kind, id: request.id), whileQueued: self.ledger.keepClaimAlive(change.key, requestID: verified.requestID)
            ) {
                await self.actHoldingTarget(change, verified: verified, builder: builder, logger: logger)
            }
        } catch {
            // The target's lock in the store could not be taken: nothing was done. The claim stays unanswered, so a
            // retry acts once it is stale, as after a crash.
            (result, json) = self.storeUnavailable(builder, error, logger: logger)
        }
        self.metrics.recordRequest(caller: verified.caller.name, action: request.action, outcome: result.outcome, code: result.failure?.code, duration: result.latency)
        logger.info(
            "Action answered",
            metadata: [
                "action": "\(request.operation)", "ticket": "\(request.ticket)", "http.status": "\(result.status)",
                "outcome": "\(result.outcome.rawValue)", "error.code": "\(result.failure?.code.rawValue ?? "none")", "attempts": "\(result.attempts)",
            ]
        )
        var answer = ActionAnswer(result, json: json)
        answer.replyRecorded = replyRecorded
        return answer
    }

    /// The answer when the store failed before anything was done; counted once, with the answer, by `act`.
    private func storeUnavailable(_ builder: ActionResultBuilder, _ error: any Error, logger: Logger) -> (ActionResult, [UInt8]) {
        logger.error("The store could not be read or written before acting; refusing the request", metadata: ["error": "\(error)"])
        let result = builder.problem(code: .storeUnavailable, detail: "the gateway could not use its durable store; nothing was done. Send again shortly")
        return (result, result.json())
    }

    private func actHoldingTarget(_ change: Change, verified: VerifiedRequest, builder: ActionResultBuilder, logger: Logger) async -> (result: ActionResult, json: [UInt8], replyRecorded: Bool) {
        let request = change.request
        let touchesGrant = request.action == .disable || request.duration != nil
        var openGrant: Grant?
        var grantNoLongerOpen: (grant: Grant?, id: String)?
        do {
            openGrant = touchesGrant ? try await self.ledger.openGrant(for: request) : nil
            if request.action == .enable, request.duration != nil, openGrant == nil {
                // The grant this request would have opened with its claim was not opened (another was open then)
                // and that one has ended since: open it now, before acting, or nothing would revoke this enable.
                openGrant = try await self.ledger.ensureGrant(for: request, verified: verified)
            }
            if let grantID = request.revokesGrant, openGrant?.id != grantID {
                // The grant to revoke ended before its turn came: the target is no longer this grant's to disable,
                // whatever state it is in (another grant may have enabled it since).
                grantNoLongerOpen = (try await self.ledger.store.grant(id: grantID), grantID)
                openGrant = nil
            }
        } catch {
            let (result, json) = self.storeUnavailable(builder, error, logger: logger)
            return (result, json, false)
        }

        var result: ActionResult
        var upstream: UpstreamFacts?
        if let (ended, grantID) = grantNoLongerOpen {
            let state = ended.map { " (\($0.state.rawValue))" } ?? ""
            result = builder.problem(
                code: .grantEnded, detail: "grant \(grantID) has already ended\(state); \(request.kind.rawValue) \(request.id) was not changed"
            )
            result.grant = ended
        } else {
            do {
                let segura = try await self.segura.perform(request.operation)
                self.metrics.recordUpstream(kind: request.kind, action: request.action, outcome: segura.outcome, duration: segura.latency)
                result = builder.result(segura)
                upstream = segura.upstream
            } catch {
                // Cancelled: the client went away before Segura answered.
                result = builder.problem(code: .upstreamTimeout, detail: "the request was cancelled before Segura answered", outcome: .unknown)
            }
        }
        let planner = GrantPlanner(request: request, requestID: verified.requestID, maximumDuration: change.maximumDuration)
        let plan = planner.plan(outcome: result.outcome, openGrant: openGrant, now: Date())
        result.grant = plan.grant ?? result.grant
        var grantChange: GrantChange?
        if let openGrant, let kind = plan.change {
            grantChange = GrantChange(grantID: openGrant.id, kind: kind, event: Self.event(for: kind, grant: plan.grant ?? openGrant, verified: verified))
        }
        let transition = GrantTransition(plan: plan, requestID: verified.requestID)
        let callback = transition.flatMap { transition in plan.grant.flatMap { self.callbacks.event(transition.event, grant: $0) } }
        let json = result.json()
        let replyEvent = change.reply?.event(json)
        do {
            let changed = try await self.ledger.recordOutcome(
                verified, key: change.key, result: result, body: json, upstream: upstream, grant: grantChange, callback: callback, reply: replyEvent
            )
            if let transition, plan.change == nil || changed {
                self.metrics.recordGrantTransition(transition.decision.rawValue)
            }
            return (result, json, replyEvent != nil)
        } catch {
            logger.error("Segura was called but the outcome could not be recorded", metadata: ["error": "\(error)", "outcome": "\(result.outcome.rawValue)"])
            var failed = builder.problem(
                code: .storeUnavailable,
                detail: "Segura answered (outcome \(result.outcome.rawValue)) but the gateway could not record it; send the delivery again to confirm",
                outcome: result.outcome, attempts: result.attempts
            )
            failed.grant = result.grant
            return (failed, failed.json(), false)
        }
    }

    /// The audit record of a grant change made by a request.
    private static func event(for kind: GrantChange.Kind, grant: Grant, verified: VerifiedRequest) -> AuditEvent {
        let (decision, action): (AuditDecision, TargetAction) =
            switch kind {
            case .extend: (.grantExtended, .enable)
            case .cancel: (.grantCancelled, .enable)
            case .end: (.grantRevoked, .disable)
            }
        return AuditEvent(grant: grant, decision: decision, requestID: verified.requestID, caller: verified.caller.name, action: action, at: Date())
    }
}
