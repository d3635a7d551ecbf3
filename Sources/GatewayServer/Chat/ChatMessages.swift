import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary

/// The messages the gateway sends in chat, built from its answers and grants so every platform says the same.
enum ChatMessages {
    /// An action's answer, from its JSON (live, replayed or stored): what happened, to what, on which ticket,
    /// the grant and its expiry, and the request id; a failure's message, never its internals.
    static func result(_ json: [UInt8]) -> ChatMessage {
        guard let answer = try? ChatPlatforms.decoder(snakeCase: true).decode(AnswerView.self, from: Data(json)) else {
            // Every answer the gateway writes decodes; this would be a defect, and says so without detail.
            return ChatMessage(tone: .failure, headline: "The gateway could not read its own answer", detail: "Ask its operators to check the logs.")
        }
        var message = ChatMessage(tone: .success, headline: answer.headline)
        if let target = answer.target { message.facts.append(.init(label: "Target", value: .text("\(target.kind) \(target.id)"))) }
        if let ticket = answer.ticket { message.facts.append(.init(label: "Ticket", value: .code(ticket))) }
        if let requestedBy = answer.requestedBy { message.facts.append(.init(label: "Requested by", value: .text(requestedBy))) }
        if let grant = answer.grant {
            message.facts.append(.init(label: "Grant", value: .code(grant.id)))
            if grant.state == GrantState.active.rawValue, let expiry = AuditTimestamp.date(from: grant.expiresAt) {
                message.facts.append(.init(label: "Access ends", value: .time(expiry)))
                message.revocableGrant = grant.id
            } else {
                message.facts.append(.init(label: "Grant state", value: .text(grant.state.replacingOccurrences(of: "_", with: " "))))
            }
        }
        message.facts.append(.init(label: "Request", value: .code(answer.requestId)))
        if let approval = answer.approval {
            message.tone = .working
            message.facts.append(.init(label: "Approval", value: .code(approval.id)))
            if let expiry = AuditTimestamp.date(from: approval.expiresAt) { message.facts.append(.init(label: "Expires", value: .time(expiry))) }
            message.detail = "Nothing changes until it is approved; you will be told here. You can withdraw it with deny \(approval.id)."
        }
        if let error = answer.error {
            message.tone = answer.outcome == Outcome.unknown.rawValue ? .warning : .failure
            message.facts.append(.init(label: "Error", value: .code(error.code)))
            message.detail = Self.defanged(error.message)
            message.revocableGrant = nil
        }
        // What changed a target (or may have) is shown to the channel; a refusal only to the person who asked.
        message.isPublic = answer.attempts > 0 || answer.outcome != Outcome.notApplied.rawValue
        return message
    }

    /// The answer while a change is still running; its result follows (for Teams, in the channel of the caller's
    /// incoming webhook, as an outgoing webhook cannot post later).
    static func working(on request: ActionRequest, requestID: String, platform: ChatPlatformKind) -> ChatMessage {
        let whereNext = platform == .teams ? "in the channel where Segura posts its results" : "here"
        return ChatMessage(
            tone: .working,
            headline: "Working on it: \(request.action.rawValue) \(request.kind.rawValue) \(request.id). The result will follow \(whereNext).",
            facts: [.init(label: "Ticket", value: .code(request.ticket)), .init(label: "Request", value: .code(requestID))]
        )
    }

    /// A request refused before anything was claimed or acted on, to the person alone.
    static func refusal(code: ErrorCode, message detail: String) -> ChatMessage {
        ChatMessage(
            tone: .failure, headline: ErrorCatalogue.entry(for: code).title, facts: [.init(label: "Error", value: .code(code.rawValue))],
            detail: Self.defanged(detail)
        )
    }

    /// An error's explanation, which may quote what a person typed, with links taken apart: a zero-width space
    /// after `:` in `://` and between `]` and `(`, so no platform turns a typed URL or Markdown link into a link
    /// posted by the gateway. Mentions and markup are each platform's renderer's to escape.
    static func defanged(_ text: String) -> String {
        text.replacingOccurrences(of: "://", with: ":\u{200B}//").replacingOccurrences(of: "](", with: "]\u{200B}(")
    }

    /// What a person can ask.
    static func help(for person: String) -> ChatMessage {
        ChatMessage(
            tone: .information,
            headline: "Segura commands for \(person)",
            list: [
                [.code("enable credential 42 for ticket CHG0012345 for 2h"), .text("switches access on until the duration ends (kinds: credential, password, device, ssh_key)")],
                [.code("disable credential 42 for ticket CHG0012345"), .text("switches it off")],
                [.code("grants"), .text("lists your open grants and when they end")],
                [.code("revoke <grant id>"), .text("ends one of them now")],
                [.code("status <request id>"), .text("shows the answer to an earlier request")],
                [.code("approve <approval id>"), .text("approves a request that waits for your approval")],
                [.code("deny <approval id>"), .text("denies it, or withdraws your own")],
            ]
        )
    }

    /// The Approve and Deny buttons of `approval`'s message in its caller's approval channel; on Mattermost each
    /// decision's context is signed with the channel's key, valid until the approval expires.
    static func decisionButtons(
        for approval: ApprovalRequest, channel: GatewayConfiguration.ApprovalChannel?, platform: ChatPlatformKind
    ) -> ChatMessage.DecisionButtons {
        var buttons = ChatMessage.DecisionButtons(approvalID: approval.id)
        guard platform == .mattermost, let channel, let actionURL = channel.actionURL, let channelID = channel.channelID, let key = channel.buttons else {
            return buttons
        }
        let sign = { (verdict: ApprovalVerdict) in
            key.signature(for: ButtonContext.Fields(approvalID: approval.id, decision: verdict.word, channelID: channelID, expiresAt: approval.expiresAt))
        }
        buttons.signed = .init(
            actionURL: actionURL, channelID: channelID, expiresAt: approval.expiresAt, approveSignature: sign(.approve), denySignature: sign(.deny)
        )
        return buttons
    }

    /// A person's open grants.
    static func grants(_ grants: [Grant], of person: String) -> ChatMessage {
        guard !grants.isEmpty else { return ChatMessage(tone: .information, headline: "\(person) has no open grants") }
        return ChatMessage(
            tone: .information,
            headline: "Open grants of \(person)",
            list: grants.map { grant in
                var line: [ChatMessage.Fact.Value] = [
                    .text("\(grant.targetKind.rawValue) \(grant.targetID), ticket"), .code(grant.ticket), .text("until"), .time(grant.expiresAt), .code(grant.id),
                ]
                if grant.state != .active { line.append(.text("(\(grant.state.rawValue.replacingOccurrences(of: "_", with: " ")))")) }
                return line
            }
        )
    }

    /// The members of an answer the messages show; decoded from the JSON `openapi.yaml` describes as `ActionResult`.
    private struct AnswerView: Decodable {
        struct Target: Decodable {
            var kind: String
            var id: Int
        }

        struct Failure: Decodable {
            var code: String
            var message: String
        }

        struct GrantView: Decodable {
            var id: String
            var state: String
            var expiresAt: String
        }

        struct ApprovalView: Decodable {
            var id: String
            var expiresAt: String
        }

        var requestId: String
        var action: String?
        var target: Target?
        var ticket: String?
        var requestedBy: String?
        var outcome: String
        var attempts: Int
        var error: Failure?
        var title: String?
        var grant: GrantView?
        var approval: ApprovalView?

        /// One line saying what happened.
        var headline: String {
            let object = self.target.map { "\($0.kind) \($0.id)" } ?? "the request"
            let done = self.action == TargetAction.disable.rawValue ? "disabled" : "enabled"
            switch self.outcome {
            case Outcome.applied.rawValue: return "\(done.prefix(1).uppercased() + done.dropFirst()) \(object)"
            case Outcome.alreadyInState.rawValue: return "\(object.prefix(1).uppercased() + object.dropFirst()) was already \(done)"
            case Outcome.unknown.rawValue: return "Unknown whether \(object) was \(done): Segura did not confirm. Check it before trying again"
            case Outcome.pendingApproval.rawValue: return "Waiting for approval to \(self.action ?? "change") \(object)"
            default: return "Not done: \(self.title ?? "the request failed")"
            }
        }
    }
}
