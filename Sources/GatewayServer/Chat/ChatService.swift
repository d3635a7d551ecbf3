import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import Logging

/// Serves a chat platform's request: reads it, finds the person, and answers their command in the platform's
/// format, acting through the one action pipeline (``ActionService``).
///
/// - A body the platform's documentation does not describe gets 422 (415 for the wrong media type) in the problem
///   schema, and a Mattermost command whose signed `trigger_id` is not its user's 401.
/// - Everything a person can get wrong (an unknown user, a bad command, a policy refusal) gets a message to
///   that person, audited with who they are.
/// - A change answers inline when it finishes within the caller's share of the platform's deadline; otherwise
///   the answer says "working on it" and the result follows, written to the outbox with the outcome itself
///   (``ChatReplyRace``, ``ChatReplier``), so a restart still delivers it and a repeat never acts twice.
/// - Approvers decide with `approve` and `deny`, or the buttons under a request in the approval channel, through
///   ``ApprovalDesk``; a click replaces the request's message with where it stands.
struct ChatService: Sendable {
    let actions: ActionService
    let ledger: DeliveryLedger
    let refusals: Refusals
    let metrics: GatewayMetrics
    let work: ChatWork
    let approvals: ApprovalDesk
    let clicks: MattermostClickVerifier

    /// What the route sends.
    enum Answer: Sendable {
        /// 200 with the platform's message JSON.
        case message([UInt8])
        /// 200 with an empty `text/plain` body: the platform shows nothing, and the result follows (Slack button clicks).
        case acknowledged
        /// A problem answer in the stable schema.
        case problem(ActionResult)
    }

    func handle(_ verified: VerifiedRequest, chat: GatewayConfiguration.Chat, contentType: String, logger: Logger) async -> Answer {
        let platform = ChatPlatforms.platform(chat.platform)
        let builder = ActionResultBuilder(requestID: verified.requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
        let inbound: ChatInbound
        do throws(ChatInputError) {
            inbound = try platform.read(body: verified.body, contentType: contentType)
            if chat.platform != .teams {
                guard let url = inbound.replyURL, chat.allowsReply(to: url) else {
                    throw ChatInputError("response_url is missing or outside the caller's reply_url_prefixes")
                }
            }
        } catch {
            let problem = builder.problem(code: error.code, detail: error.message)
            return .problem(await self.refusals.refuse(problem, deliveryID: verified.deliveryID, receivedDate: verified.receivedDate, logger: logger))
        }
        if let triggerIDs = chat.triggerIDs {
            do throws(SignatureError) {
                try triggerIDs.verify(inbound.deliveryID ?? "", userID: inbound.userID, now: verified.receivedDate)
            } catch {
                let problem = builder.problem(code: error.code, detail: "trigger_id: \(error.explanation); the command was not issued by the Mattermost server for this user_id")
                return .problem(await self.refusals.refuse(problem, deliveryID: verified.deliveryID, receivedDate: verified.receivedDate, logger: logger))
            }
        }
        return await self.respond(to: inbound, verified.delivered(as: inbound.deliveryID), chat: chat, platform: platform, builder: builder, logger: logger)
    }

    /// A click on Approve or Deny in Mattermost (`POST /v1/chat/mattermost/actions`), which no caller signs: it is
    /// proven with the keys of the caller of the approval it names (``MattermostClickVerifier``), then answered
    /// like any gesture of that caller's people, in Mattermost's answer to a click.
    ///
    /// A body Mattermost does not send for a click gets 415 or 422; a context the gateway did not sign as it
    /// is, or a `trigger_id` not issued for the clicking user, 401; all in the problem schema.
    func handleClick(
        body: [UInt8], contentType: String, requestID: String, receivedAt: ContinuousClock.Instant, receivedDate: Date, logger: Logger
    ) async -> Answer {
        var builder = ActionResultBuilder(requestID: requestID, request: nil, caller: nil, receivedAt: receivedAt)
        guard !self.clicks.isEmpty else {
            let problem = builder.problem(code: .notFound, detail: "no Mattermost caller of this gateway posts approval buttons")
            return .problem(await self.refusals.refuse(problem, deliveryID: nil, receivedDate: receivedDate, logger: logger))
        }
        let click: MattermostActions.Click
        do throws(ChatInputError) {
            click = try MattermostActions.click(body: body, contentType: contentType)
        } catch {
            let problem = builder.problem(code: error.code, detail: error.message)
            return .problem(await self.refusals.refuse(problem, deliveryID: nil, receivedDate: receivedDate, logger: logger))
        }
        let caller: GatewayConfiguration.Caller
        let chat: GatewayConfiguration.Chat
        do throws(SignatureError) {
            (caller, chat) = try self.clicks.verify(click, now: receivedDate)
        } catch {
            let detail = "\(error.explanation); the click is not one on a button the gateway posted, by the user it names, in time"
            return .problem(await self.refusals.refuse(builder.problem(code: error.code, detail: detail), deliveryID: nil, receivedDate: receivedDate, logger: logger))
        }
        builder.caller = caller.name
        var logger = logger
        logger[metadataKey: "caller"] = "\(caller.name)"
        let verified = VerifiedRequest(
            requestID: requestID, caller: caller,
            delivery: .vouched(deliveryID: click.triggerID, scheme: caller.verifier.scheme),
            body: body, deliveryID: click.triggerID, receivedAt: receivedAt, receivedDate: receivedDate
        )
        return await self.respond(to: click.inbound, verified, chat: chat, platform: MattermostActions(), builder: builder, logger: logger)
    }

    /// Finds the person behind a verified gesture and answers it.
    private func respond(
        to inbound: ChatInbound, _ verified: VerifiedRequest, chat: GatewayConfiguration.Chat, platform: any ChatPlatform, builder: ActionResultBuilder,
        logger: Logger
    ) async -> Answer {
        var builder = builder
        let replier = ChatReplier(caller: verified.caller.name, platform: platform, inbound: inbound, store: self.ledger.store)
        var logger = logger
        guard let person = chat.people[inbound.userID] else {
            builder.requestedBy = "unmapped \(chat.platform.rawValue) user \(inbound.userID)"
            let detail = "your \(chat.platform.rawValue) user \(inbound.userID) is not mapped to a person allowed to use this integration. Ask the gateway's operators to add you"
            self.metrics.recordChatCommand(caller: verified.caller.name, platform: chat.platform, person: nil, command: "unknown", result: ErrorCode.chatUserUnknown.rawValue)
            return await self.refuse(builder.problem(code: .chatUserUnknown, detail: detail), verified, replier: replier, logger: logger)
        }
        logger[metadataKey: "person"] = "\(person.name)"
        builder.requestedBy = person.name

        let text: String
        switch inbound.gesture {
        case .command(let typed): text = typed
        case .revokeButton(let grantID): text = "revoke \(grantID)"
        case .decision(let approvalID, let verdict): text = "\(verdict.word) \(approvalID)"
        }
        let command: ChatCommand
        do {
            command = try ChatCommand.parse(text, person: person.name)
        } catch {
            self.metrics.recordChatCommand(caller: verified.caller.name, platform: chat.platform, person: person.name, command: "unknown", result: error.code.rawValue)
            return await self.refuse(builder.problem(code: error.code, detail: error.message), verified, replier: replier, logger: logger)
        }
        let context = Context(verified: verified, chat: chat, replier: replier, person: person, builder: builder, logger: logger)
        return await self.answer(command, context)
    }

    /// Everything known about one chat request once its person is found.
    private struct Context: Sendable {
        let verified: VerifiedRequest
        let chat: GatewayConfiguration.Chat
        let replier: ChatReplier
        let person: GatewayConfiguration.ChatPerson
        let builder: ActionResultBuilder
        let logger: Logger

        func record(_ metrics: GatewayMetrics, command: String, result: String) {
            metrics.recordChatCommand(caller: self.verified.caller.name, platform: self.chat.platform, person: self.person.name, command: command, result: result)
        }
    }

    private func answer(_ command: ChatCommand, _ context: Context) async -> Answer {
        let verified = context.verified
        switch command {
        case .help:
            context.record(self.metrics, command: "help", result: "ok")
            return await context.replier.send(ChatMessages.help(for: context.person.name), logger: context.logger)
        case .grants:
            do {
                let query = GrantQuery(caller: verified.caller.name, states: .open, limit: 50)
                let name = context.person.name
                let grants = try await self.ledger.store.grants(matching: query) { $0.requestedBy == name }
                context.record(self.metrics, command: "grants", result: "ok")
                return await context.replier.send(ChatMessages.grants(grants, of: name), logger: context.logger)
            } catch {
                return self.storeUnavailable(context, command: "grants", error)
            }
        case .status(let requestID):
            do {
                let stored = try await self.ledger.storedResponse(requestID: requestID, caller: verified.caller.name)
                guard let stored, Self.requester(of: Array(stored.body)) == context.person.name else {
                    context.record(self.metrics, command: "status", result: ErrorCode.actionNotFound.rawValue)
                    let detail = "no answer to a request \(requestID) of yours is kept (answers are kept for the delivery expiry)"
                    return await context.replier.send(ChatMessages.refusal(code: .actionNotFound, message: detail), logger: context.logger)
                }
                context.record(self.metrics, command: "status", result: "ok")
                // Shown to the person alone, wherever they ask: the result may come from a private conversation.
                var message = ChatMessages.result(Array(stored.body))
                message.isPublic = false
                return await context.replier.send(message, logger: context.logger)
            } catch {
                return self.storeUnavailable(context, command: "status", error)
            }
        case .action(let request):
            return await self.act(request, authority: .person(context.person), context, command: request.action.rawValue)
        case .revoke(let grantID):
            return await self.revoke(grantID, context)
        case .decide(let approvalID, let verdict):
            return await self.decide(approvalID, verdict: verdict, context)
        }
    }

    /// `approve <id>`, `deny <id>` and their buttons. A click replaces the approval message with where the request
    /// stands (through `response_url` on Slack, in the click's answer on Mattermost), so its buttons go once it is
    /// decided; a typed decision is answered like any command. A Slack click's `response_url` also hears the
    /// result once the approved action ran.
    private func decide(_ approvalID: String, verdict: ApprovalVerdict, _ context: Context) async -> Answer {
        let replier = context.replier
        let clicked = if case .decision = replier.inbound.gesture { true } else { false }
        let decisionReply = clicked && !replier.inbound.answersInline ? replier.inbound.replyURL.map { CallbackEvent.Destination.chatReply(url: $0) } : nil
        let decision = await self.approvals.decide(
            approvalID, verdict: verdict, by: .person(name: context.person.name, caller: context.verified.caller.name), decisionReply: decisionReply,
            requestID: context.verified.requestID, logger: context.logger
        )
        if decision.refusal == nil, let approval = decision.approval {
            context.record(self.metrics, command: verdict.word, result: "ok")
            var message = ChatMessages.approvalDecided(approval)
            guard clicked else { return await replier.send(message, logger: context.logger) }
            // The message clicked in keeps its buttons while the request still needs other approvers.
            if approval.state == .pending {
                message.decisionButtons = ChatMessages.decisionButtons(for: approval, channel: context.chat.approvalChannel, platform: context.chat.platform)
            }
            return await replier.replace(message, logger: context.logger)
        }
        let refusal = decision.refusal ?? ApprovalDesk.Refusal(code: .internalError, message: "the decision's request could not be read back")
        context.record(self.metrics, command: verdict.word, result: refusal.code.rawValue)
        let problem = context.builder.problem(code: refusal.code, detail: refusal.message)
        // Audited under the approval id, as the API's refused decisions are, so one request's trail shows every attempt.
        return await self.refuse(
            problem, context.verified.delivered(as: approvalID), replier: replier, message: ChatMessages.approvalRefusal(refusal, approval: decision.approval),
            logger: context.logger
        )
    }

    /// `revoke <grant id>` and the Revoke button: a `disable` of the grant's target that acts only while that
    /// grant is still the target's open one. A person may end a grant they opened through this caller, or any
    /// grant on a target their policy lets them disable.
    private func revoke(_ grantID: String, _ context: Context) async -> Answer {
        let grant: Grant?
        do {
            grant = try await self.ledger.store.grant(id: grantID)
        } catch {
            return self.storeUnavailable(context, command: "revoke", error)
        }
        let ownGrant = grant.map { $0.caller == context.verified.caller.name && $0.requestedBy == context.person.name } ?? false
        guard let grant, ownGrant || context.verified.caller.policy.covers(kind: grant.targetKind, id: grant.targetID) else {
            context.record(self.metrics, command: "revoke", result: ErrorCode.grantNotFound.rawValue)
            let detail = "no grant \(grantID) is yours or on a target you may change"
            return await self.refuse(context.builder.problem(code: .grantNotFound, detail: detail), context.verified, replier: context.replier, logger: context.logger)
        }
        let request = ActionRequest(
            action: .disable, kind: grant.targetKind, id: grant.targetID, ticket: grant.ticket, requestedBy: context.person.name, revokesGrant: grant.id
        )
        return await self.act(request, authority: ownGrant ? .grantHolder : .person(context.person), context, command: "revoke")
    }

    /// Runs a change through the pipeline in the background and answers with its result if it comes within the
    /// caller's share of the platform's deadline, or "working on it" (and the result follows) otherwise.
    private func act(_ request: ActionRequest, authority: RequestAuthority, _ context: Context, command: String) async -> Answer {
        let verified = context.verified
        let replier = context.replier
        let race = ChatReplyRace(deferred: !replier.inbound.answersInline, destination: replier.destination) { json in replier.event(ChatMessages.result(json)) }
        let logger = context.logger
        let job: @Sendable () async -> Void = { [actions, metrics] in
            let answer = await actions.perform(verified, read: { _ in request }, authority: authority, reply: race.hook, logger: logger)
            race.finish(answer)
            context.record(metrics, command: command, result: Self.result(of: answer))
            guard race.needsReply, !answer.replyRecorded else { return }
            // Refused, replayed, the store failed, or the route stopped waiting: the reply goes on its own.
            await replier.enqueue(race.reply(for: answer), logger: logger)
        }
        switch self.work.start(job) {
        case .started: break
        case .full, .closed:
            context.record(self.metrics, command: command, result: ErrorCode.gatewayOverloaded.rawValue)
            let shed = context.builder.problem(code: .gatewayOverloaded, detail: "the gateway is working on as many chat changes as it allows, or stopping; send again shortly")
            self.refusals.shed(shed, logger: logger)
            return .problem(shed)
        }
        guard replier.inbound.answersInline else { return .acknowledged }
        let deadline = context.chat.platform.deadline
        if let answer = await race.answer(within: context.chat.inlineWait, atMost: deadline - ChatReplier.answerMargin) {
            return .message(replier.platform.answer(ChatMessages.result(answer.body)))
        }
        return .message(replier.platform.answer(ChatMessages.working(on: request, requestID: verified.requestID, platform: context.chat.platform)))
    }

    /// Audits a refusal and tells the person, with `message` or the refusal's own; the problem itself when its
    /// audit record could not be written.
    private func refuse(_ problem: ActionResult, _ verified: VerifiedRequest, replier: ChatReplier, message: ChatMessage? = nil, logger: Logger) async -> Answer {
        let refused = await self.refusals.refuse(problem, deliveryID: verified.deliveryID, receivedDate: verified.receivedDate, logger: logger)
        guard let failure = refused.failure, failure.code != .storeUnavailable else { return .problem(refused) }
        return await replier.send(message ?? ChatMessages.refusal(code: failure.code, message: failure.message), logger: logger)
    }

    private func storeUnavailable(_ context: Context, command: String, _ error: any Error) -> Answer {
        context.record(self.metrics, command: command, result: ErrorCode.storeUnavailable.rawValue)
        let failed = self.refusals.storeUnavailable(instead: context.builder.base(outcome: .notApplied), error, logger: context.logger)
        return .problem(failed)
    }

    /// The metric result of an answer: `ok`, or its error code.
    private static func result(of answer: ActionAnswer) -> String {
        guard answer.status != 200 else { return "ok" }
        guard answer.status != 202 else { return Outcome.pendingApproval.rawValue }
        struct Problem: Decodable {
            struct Failure: Decodable { var code: String }
            var error: Failure?
        }
        return (try? ChatPlatforms.decoder(snakeCase: false).decode(Problem.self, from: Data(answer.body)))?.error?.code ?? "\(answer.status)"
    }

    /// Who asked for the stored answer's request (`requested_by`).
    private static func requester(of json: [UInt8]) -> String? {
        struct Requester: Decodable { var requestedBy: String? }
        return (try? ChatPlatforms.decoder(snakeCase: true).decode(Requester.self, from: Data(json)))?.requestedBy
    }
}
