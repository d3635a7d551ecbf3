import FormReading
import Foundation
import GatewayStore
import GatewayVocabulary

/// Slack: slash commands and Block Kit button clicks, both `application/x-www-form-urlencoded` and signed with
/// `slack-v0` over the raw form bytes; answers in Block Kit with a plain-text `text` fallback.
///
/// A slash command's answer is shown at once (ephemeral unless `response_type` is `in_channel`); a button
/// click's answer body is not shown, so its result follows on `response_url`, which Slack accepts up to five
/// times within 30 minutes. The person is `team_id/user_id`: Slack user ids are unique within a workspace only.
struct SlackPlatform: ChatPlatform {
    /// The `action_id` of the Revoke button the gateway puts under a grant.
    static let revokeActionID = "segura.revoke_grant"
    /// The `action_id`s of the Approve and Deny buttons under an approval request.
    static let approveActionID = "segura.approve"
    static let denyActionID = "segura.deny"

    func read(body: [UInt8], contentType: String) throws(ChatInputError) -> ChatInbound {
        let form = try ChatPlatforms.form(body, contentType: contentType, sender: "Slack")
        if let payload = form["payload"] {
            return try Self.readInteraction(Array(payload.utf8))
        }
        let team = try ChatPlatforms.identifier(form["team_id"], field: "team_id")
        let user = try ChatPlatforms.identifier(form["user_id"], field: "user_id")
        guard let text = form["text"] else { throw ChatInputError("text is missing") }
        return ChatInbound(
            userID: "\(team)/\(user)",
            gesture: .command(Self.unescape(text)),
            deliveryID: try ChatPlatforms.identifier(form["trigger_id"], field: "trigger_id"),
            replyURL: form["response_url"]
        )
    }

    /// A `block_actions` payload: only the gateway's own buttons are understood (Revoke, Approve and Deny). The
    /// `response_url` of a click is that of the message clicked in: for Approve and Deny, the approval message.
    private static func readInteraction(_ json: [UInt8]) throws(ChatInputError) -> ChatInbound {
        let payload = try ChatPlatforms.decode(
            BlockActions.self, from: json, snakeCase: true, otherwise: "payload is not a block_actions interaction with user, trigger_id, response_url and actions"
        )
        guard payload.type == "block_actions" else { throw ChatInputError("payload type '\(excerpt(payload.type))' is not block_actions") }
        guard let action = payload.actions.first, payload.actions.count == 1, let value = action.value else {
            throw ChatInputError("the gateway's buttons send one action with a value")
        }
        let gesture: ChatInbound.Gesture
        switch action.actionId {
        case Self.revokeActionID:
            gesture = .revokeButton(grantID: value)
        case Self.approveActionID, Self.denyActionID:
            guard ChatCommand.isIdentifier(value, prefix: "apr_") else { throw ChatInputError("the value of \(action.actionId) is not an approval id") }
            gesture = .decision(approvalID: value, verdict: action.actionId == Self.approveActionID ? .approve : .deny)
        default:
            throw ChatInputError("the only interactions the gateway offers are its \(Self.revokeActionID), \(Self.approveActionID) and \(Self.denyActionID) buttons")
        }
        let team = try ChatPlatforms.identifier(payload.user.teamId ?? payload.team?.id, field: "user.team_id")
        let user = try ChatPlatforms.identifier(payload.user.id, field: "user.id")
        return ChatInbound(
            userID: "\(team)/\(user)",
            gesture: gesture,
            deliveryID: try ChatPlatforms.identifier(payload.triggerId, field: "trigger_id"),
            replyURL: payload.responseUrl,
            answersInline: false
        )
    }

    /// Slack escapes `&`, `<` and `>` in the text it sends; the command grammar reads the characters typed.
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Escapes text for `mrkdwn`: Slack reads `<…>` as links and mentions (`<!channel>`), so text a person typed
    /// must never reach a message unescaped.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    func answer(_ message: ChatMessage) -> [UInt8] {
        ChatPlatforms.encode(Self.body(message, replaceOriginal: nil), snakeCase: true)
    }

    func followUp(_ message: ChatMessage) -> [UInt8] {
        // A follow-up adds a message; it never replaces the one the person clicked in.
        ChatPlatforms.encode(Self.body(message, replaceOriginal: false), snakeCase: true)
    }

    func update(_ message: ChatMessage) -> [UInt8] {
        ChatPlatforms.encode(Self.body(message, replaceOriginal: true), snakeCase: true)
    }

    static func body(_ message: ChatMessage, replaceOriginal: Bool?) -> Message {
        var blocks = [Block.section("*\(Self.escape(message.tone.symbol + " " + message.headline))*")]
        if !message.facts.isEmpty {
            blocks.append(.fields(message.facts.prefix(10).map { "*\(Self.escape($0.label))*\n\(Self.mrkdwn($0.value))" }))
        }
        if let detail = message.detail {
            // Escaping at most quintuples a character (`&` → `&amp;`): 500 characters stay within a section's 3,000.
            blocks.append(.section(Self.escape(String(detail.prefix(500)))))
        }
        if !message.list.isEmpty {
            blocks.append(.section(Self.lines(message.list.map { "• " + $0.map(Self.mrkdwn).joined(separator: " ") }, within: 2900)))
        }
        if let grant = message.revocableGrant {
            blocks.append(.revokeButton(grantID: grant))
        }
        if let buttons = message.decisionButtons {
            blocks.append(.decisionButtons(approvalID: buttons.approvalID))
        }
        return Message(
            responseType: message.isPublic ? "in_channel" : "ephemeral", text: Self.escape(String(message.plainText.prefix(3000))), blocks: blocks,
            replaceOriginal: replaceOriginal
        )
    }

    /// Whole lines, as many as fit in `budget` characters, then how many were left out: a line is never cut
    /// inside a `<!date>` token or an entity, which Slack would refuse or show broken.
    static func lines(_ lines: [String], within budget: Int) -> String {
        var kept: [String] = []
        var used = 0
        for line in lines {
            guard used + line.count + 1 <= budget - 40 else {
                kept.append("…and \(lines.count - kept.count) more")
                break
            }
            kept.append(line)
            used += line.count + 1
        }
        return kept.joined(separator: "\n")
    }

    /// A fact's value in `mrkdwn`; a time as `<!date^…>`, which Slack shows in the reader's own time zone, with
    /// the UTC text as the fallback for clients that cannot.
    static func mrkdwn(_ value: ChatMessage.Fact.Value) -> String {
        switch value {
        case .text(let text): Self.escape(text)
        case .code(let text): "`\(Self.escape(text))`"
        case .time(let date): "<!date^\(Int64(date.timeIntervalSince1970))^{date_short_pretty} at {time}|\(ChatTime.utc(date))>"
        }
    }

    // MARK: Wire types (snake case on the wire)

    /// A message as Slack's answers and `response_url` take it.
    struct Message: Encodable {
        var responseType: String
        var text: String
        var blocks: [Block]
        var replaceOriginal: Bool?
    }

    /// The Block Kit blocks the gateway uses: sections of `mrkdwn`, and actions blocks with its buttons.
    struct Block: Encodable {
        struct Text: Encodable {
            var type: String
            var text: String
        }

        /// Slack's confirmation dialog: the button sits on a message the whole channel sees, so a click asks first.
        struct Confirmation: Encodable {
            var title: Text
            var text: Text
            var confirm: Text
            var deny: Text
            var style = "danger"
        }

        struct Element: Encodable {
            var type = "button"
            var text: Text
            var actionId: String
            var value: String
            var style: String
            var confirm: Confirmation?
        }

        var type: String
        var text: Text?
        var fields: [Text]?
        var elements: [Element]?

        static func section(_ mrkdwn: String) -> Self {
            Self(type: "section", text: Text(type: "mrkdwn", text: mrkdwn))
        }

        static func fields(_ fields: [String]) -> Self {
            Self(type: "section", fields: fields.map { Text(type: "mrkdwn", text: $0) })
        }

        static func revokeButton(grantID: String) -> Self {
            let confirmation = Confirmation(
                title: Text(type: "plain_text", text: "Revoke this access?"),
                text: Text(type: "plain_text", text: "Segura disables the target now and ends grant \(grantID)."),
                confirm: Text(type: "plain_text", text: "Revoke"), deny: Text(type: "plain_text", text: "Cancel")
            )
            let button = Element(
                text: Text(type: "plain_text", text: "Revoke now"), actionId: SlackPlatform.revokeActionID, value: grantID, style: "danger",
                confirm: confirmation
            )
            return Self(type: "actions", elements: [button])
        }

        /// Approve (`primary`) and Deny (`danger`, asking first: a denial cannot be undone), each with the
        /// approval id as its value.
        static func decisionButtons(approvalID: String) -> Self {
            let confirmation = Confirmation(
                title: Text(type: "plain_text", text: "Deny this request?"),
                text: Text(type: "plain_text", text: "Segura will not act on request \(approvalID), and no one can approve it afterwards."),
                confirm: Text(type: "plain_text", text: "Deny"), deny: Text(type: "plain_text", text: "Cancel")
            )
            let approve = Element(text: Text(type: "plain_text", text: "Approve"), actionId: SlackPlatform.approveActionID, value: approvalID, style: "primary")
            let deny = Element(
                text: Text(type: "plain_text", text: "Deny"), actionId: SlackPlatform.denyActionID, value: approvalID, style: "danger", confirm: confirmation
            )
            return Self(type: "actions", elements: [approve, deny])
        }
    }

    /// The members of a `block_actions` payload the gateway reads; Slack sends many more.
    private struct BlockActions: Decodable {
        struct User: Decodable {
            var id: String
            var teamId: String?
        }

        struct Team: Decodable {
            var id: String
        }

        struct Action: Decodable {
            var actionId: String
            var value: String?
        }

        var type: String
        var user: User
        var team: Team?
        var triggerId: String
        var responseUrl: String?
        var actions: [Action]
    }
}
