import FormReading
import Foundation
import GatewayStore
import GatewayVocabulary

/// Mattermost slash commands: a form body with the command's static token (`Authorization: Token …`, or the
/// `token` field), answered with Mattermost's message JSON in its Markdown.
///
/// The person is `user_id`; `trigger_id` is the delivery id. Mattermost waits up to its
/// `OutgoingIntegrationRequestsTimeout` (30 s by default) but the gateway answers within 3 s like Slack, so a
/// person is never left waiting; later results go to `response_url`, which takes five follow-ups within 30
/// minutes.
struct MattermostPlatform: ChatPlatform {
    func read(body: [UInt8], contentType: String) throws(ChatInputError) -> ChatInbound {
        let form = try ChatPlatforms.form(body, contentType: contentType, sender: "Mattermost")
        guard let text = form["text"] else { throw ChatInputError("text is missing") }
        return ChatInbound(
            userID: try ChatPlatforms.identifier(form["user_id"], field: "user_id"),
            gesture: .command(text),
            deliveryID: try form["trigger_id"].map { value throws(ChatInputError) in try ChatPlatforms.identifier(value, field: "trigger_id") },
            replyURL: form["response_url"]
        )
    }

    func answer(_ message: ChatMessage) -> [UInt8] {
        ChatPlatforms.encode(Self.body(message), snakeCase: true)
    }

    func followUp(_ message: ChatMessage) -> [UInt8] {
        ChatPlatforms.encode(Self.body(message), snakeCase: true)
    }

    func update(_ message: ChatMessage) -> [UInt8] {
        Self.actionAnswer(update: message, ephemeral: nil)
    }

    /// The answer to a button click: the post clicked in replaced by `update` (its attachments with it, so
    /// buttons the message no longer has are gone), and `ephemeral` shown to the person who clicked.
    static func actionAnswer(update: ChatMessage?, ephemeral: ChatMessage?) -> [UInt8] {
        let replacement = update.map { message in
            let body = Self.body(message)
            return ActionAnswer.Update(message: body.text, props: .init(attachments: body.attachments ?? []))
        }
        return ChatPlatforms.encode(ActionAnswer(update: replacement, ephemeralText: ephemeral.map { Self.body($0).text }), snakeCase: true)
    }

    static func body(_ message: ChatMessage) -> Message {
        var lines = ["**\(Self.escape(message.tone.symbol + " " + message.headline))**"]
        lines += message.facts.map { "**\(Self.escape($0.label)):** \(Self.markdown($0.value))" }
        if let detail = message.detail { lines.append(Self.escape(detail)) }
        lines += message.list.map { "- " + $0.map(Self.markdown).joined(separator: " ") }
        if let grant = message.revocableGrant { lines.append("To end this access now: `/segura revoke \(Self.code(grant))`") }
        var attachments: [Attachment]?
        if let buttons = message.decisionButtons {
            if let signed = buttons.signed {
                attachments = [Attachment(actions: [ApprovalVerdict.approve, .deny].map { Action(buttons.approvalID, $0, signed) })]
            } else {
                let id = Self.code(buttons.approvalID)
                lines.append("To decide: `/segura approve \(id)` or `/segura deny \(id)`")
            }
        }
        return Message(
            responseType: message.isPublic ? "in_channel" : "ephemeral", text: lines.joined(separator: "\n"), skipSlackParsing: true, attachments: attachments
        )
    }

    /// Escapes Markdown and mentions, so text a person typed shows as typed and notifies no one.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\`*_{}[]()#+!|<>@~".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// Inside a code span escapes are literal, so a backtick is the one character to keep out.
    private static func code(_ text: String) -> String {
        text.replacingOccurrences(of: "`", with: "'")
    }

    private static func markdown(_ value: ChatMessage.Fact.Value) -> String {
        switch value {
        case .text(let text): Self.escape(text)
        case .code(let text): "`\(Self.code(text))`"
        case .time(let date): ChatTime.utc(date)
        }
    }

    /// Mattermost's slash-command answer, also what `response_url` takes. Slack-style `<!channel>` parsing is off,
    /// so nothing in a message can notify a channel.
    struct Message: Encodable {
        var responseType: String
        var text: String
        var skipSlackParsing: Bool
        /// Message attachments, which carry interactive buttons.
        var attachments: [Attachment]?
    }

    /// A message attachment holding buttons.
    struct Attachment: Encodable {
        var actions: [Action]
    }

    /// An interactive button: Mattermost POSTs its `integration.context` to `integration.url` when it is clicked.
    struct Action: Encodable {
        struct Integration: Encodable {
            var url: String
            var context: MattermostActions.Context
        }

        /// Alphanumeric: Mattermost finds the clicked action by this id.
        var id: String
        var name: String
        var type = "button"
        var style: String
        var integration: Integration

        /// The button of `verdict` under approval `approvalID`, with its signed context.
        init(_ approvalID: String, _ verdict: ApprovalVerdict, _ signed: ChatMessage.DecisionButtons.Signed) {
            self.id = verdict.word
            self.name = verdict == .approve ? "Approve" : "Deny"
            self.style = verdict == .approve ? "success" : "danger"
            let context = MattermostActions.Context(
                approvalId: approvalID, decision: verdict.word, channelId: signed.channelID, expiresAt: Int64(signed.expiresAt.timeIntervalSince1970),
                signature: signed.signature(for: verdict)
            )
            self.integration = Integration(url: signed.actionURL, context: context)
        }
    }

    /// The answer to a button click (Mattermost's `PostActionIntegrationResponse`).
    struct ActionAnswer: Encodable {
        struct Update: Encodable {
            struct Props: Encodable {
                var attachments: [Attachment]
            }

            var message: String
            var props: Props
        }

        var update: Update?
        var ephemeralText: String?
    }
}
