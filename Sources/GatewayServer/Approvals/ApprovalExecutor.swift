import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import Logging
import ServiceLifecycle

/// Runs approved requests and expires undecided ones, on the due-work loop that revokes grants.
///
/// An approved request is leased to one executor at a time and run through the one action pipeline
/// (``ActionService``) as a delivery of its caller whose id is the approval id. So the claim, the one change per
/// target, Segura, the audit record and the grant are those of any request, and a run cut off by a crash is
/// claimed again once its lease ends: the pipeline then replays the stored answer if the outcome was recorded,
/// or acts again (enable and disable converge) if it was not, exactly as a sender's retry would.
///
/// The policy is checked again when the request runs: access the configuration withdrew while it waited is not
/// granted.
struct ApprovalExecutor: Service {
    let store: any GatewayStore
    let actions: ActionService
    let notices: ApprovalNotices
    let callers: [String: GatewayConfiguration.Caller]
    let settings: GatewayConfiguration.Grants
    let metrics: GatewayMetrics
    /// How long a run may take before another executor may take it over: a stale claim plus one Segura deadline.
    let lease: Duration
    let logger: Logger

    /// Approvals expired per transaction.
    private static let expiryBatch = 64

    init(
        store: any GatewayStore, actions: ActionService, notices: ApprovalNotices, callers: [GatewayConfiguration.Caller], settings: GatewayConfiguration.Grants,
        metrics: GatewayMetrics, lease: Duration, logger: Logger
    ) {
        self.store = store
        self.actions = actions
        self.notices = notices
        self.callers = Dictionary(callers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.settings = settings
        self.metrics = metrics
        self.lease = lease
        self.logger = logger
    }

    func run() async throws {
        await DueWorkLoop(poll: self.settings.pollInterval).run(nextDue: { try await self.store.nextApprovalDue() }, wave: { await self.runDueWave() })
    }

    private func runDueWave() async -> DueWorkLoop.Wave {
        let now = Date()
        let expired: [ApprovalRequest]
        let approved: [ApprovalRequest]
        do {
            expired = try await self.store.expireDueApprovals(
                now: now, limit: Self.expiryBatch,
                expiredEvent: { AuditEvent(approval: $0, decision: .approvalExpired, requestID: RequestID.make(), at: $0.expiresAt) },
                notices: { [notices] in notices.decided($0) }
            )
            approved = try await self.store.claimApprovedForExecution(
                now: now, limit: self.settings.revocationConcurrency, lease: self.lease, owner: self.settings.instanceID
            )
        } catch {
            self.logger.error("Could not expire or claim approval requests", metadata: ["error": "\(error)"])
            return .failed
        }
        for approval in expired {
            self.logger.notice("Approval request expired undecided", metadata: ["approval.id": "\(approval.id)"])
            self.metrics.recordApproval(caller: approval.caller, state: .expired)
        }
        await withDiscardingTaskGroup { group in
            for approval in approved {
                group.addTask { await self.execute(approval) }
            }
        }
        return expired.count == Self.expiryBatch || approved.count == self.settings.revocationConcurrency ? .full : .partial
    }

    /// Runs one approved request through the pipeline and marks it executed, unless its delivery is still in
    /// flight elsewhere or the store failed: the lease then ends and it runs again.
    private func execute(_ approval: ApprovalRequest) async {
        var logger = self.logger
        logger[metadataKey: "approval.id"] = "\(approval.id)"
        guard let caller = self.callers[approval.caller], let authority = self.authority(for: approval, caller: caller) else {
            await self.withdraw(approval, logger: logger)
            return
        }
        let verified = VerifiedRequest(
            requestID: RequestID.make(), caller: caller, delivery: .vouched(deliveryID: approval.id, scheme: caller.verifier.scheme),
            body: Array(approval.id.utf8), deliveryID: approval.id, receivedAt: .now, receivedDate: Date()
        )
        logger[metadataKey: "request.id"] = "\(verified.requestID)"
        let request = ActionRequest(
            action: approval.action, kind: approval.targetKind, id: approval.targetID, ticket: approval.ticket, requestedBy: approval.requestedBy,
            reason: approval.reason, duration: approval.duration
        )
        let hook = approval.reply.map { destination in ChatReplyHook(destination: destination) { [notices] json in notices.executed(approval, answer: json) } }
        let answer = await self.actions.perform(verified, read: { _ in request }, authority: authority, approved: true, reply: hook, logger: logger)
        if answer.errorCode == .deliveryInFlight || answer.errorCode == .storeUnavailable || answer.errorCode == .gatewayOverloaded {
            logger.warning("An approved request could not run yet; it runs again when its lease ends", metadata: ["error.code": "\(answer.errorCode?.rawValue ?? "")"])
            return
        }
        if !answer.replyRecorded, !answer.isReplay, let event = self.notices.executed(approval, answer: answer.body) {
            // Refused before acting (the policy changed while it waited): the requester hears of it on its own.
            await self.enqueue(event, logger: logger)
        }
        do {
            guard try await self.store.completeApprovalExecution(id: approval.id, requestID: answer.requestID, now: Date()) else { return }
            self.metrics.recordApproval(caller: approval.caller, state: .executed)
        } catch {
            logger.error("Could not mark an approved request executed; it is replayed when its lease ends", metadata: ["error": "\(error)"])
            return
        }
        var executed = approval
        executed.state = .executed
        executed.executionRequestID = answer.requestID
        if let event = self.notices.executedForApprovers(executed, answer: answer.body) {
            // After the request is marked executed, so approvers are told once; a crash in between leaves their
            // message at "running it now", while the requester's result was written with the outcome.
            await self.enqueue(event, logger: logger)
        }
        logger.notice("Approved request ran", metadata: ["http.status": "\(answer.status)"])
    }

    /// Whose rules the request runs under now: its caller's, and its person's for a chat caller. `nil` when the
    /// person is no longer mapped.
    private func authority(for approval: ApprovalRequest, caller: GatewayConfiguration.Caller) -> RequestAuthority? {
        guard let chat = caller.chat else { return .caller }
        return chat.person(named: approval.requestedBy).map(RequestAuthority.person)
    }

    /// Ends an approved request whose caller or person the configuration no longer has: nobody is left to act
    /// for, so it is recorded as refused and marked executed, and never acts.
    private func withdraw(_ approval: ApprovalRequest, logger: Logger) async {
        logger.error("An approved request's caller or person is no longer configured; it will not run")
        let requestID = RequestID.make()
        do {
            _ = try await self.store.appendAudit(AuditEvent(approval: approval, decision: .rejectedPolicy, requestID: requestID, at: Date()))
            _ = try await self.store.completeApprovalExecution(id: approval.id, requestID: requestID, now: Date())
        } catch {
            logger.error("Could not record the withdrawn approval; it is tried again when its lease ends", metadata: ["error": "\(error)"])
        }
    }

    private func enqueue(_ event: CallbackEvent, logger: Logger) async {
        do {
            try await self.store.enqueueCallback(event)
        } catch {
            logger.error("Could not queue an approval notice", metadata: ["error": "\(error)"])
        }
    }
}
