import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary

/// Mattermost's interactive buttons: a click on Approve or Deny under an approval request is POSTed by the
/// Mattermost server to the button's `integration.url`, `POST /v1/chat/mattermost/actions`, as JSON
/// (`PostActionIntegrationRequest`: `user_id`, `user_name`, `channel_id`, `channel_name`, `team_id`,
/// `team_domain`, `post_id`, `trigger_id`, `type`, `data_source`, `context`), and answered with
/// `{"update": {"message", "props"}, "ephemeral_text"}`.
///
/// Nothing signs the request: the server sends back the button's `context` as the gateway wrote it, which the
/// gateway signed (``ButtonContext``), and a `trigger_id` it signs for the clicking user (``MattermostTriggerID``).
/// Both are checked with the keys of the approval's caller before the click counts.
struct MattermostActions: ChatPlatform {
    /// The route Mattermost posts clicks to.
    static let path = "/v1/chat/mattermost/actions"

    /// The context the gateway puts in each button: what the click decides, where, until when, and the
    /// gateway's signature over exactly those.
    struct Context: Codable, Hashable, Sendable {
        var approvalId: String
        /// `approve` or `deny`.
        var decision: String
        var channelId: String
        /// Unix seconds.
        var expiresAt: Int64
        var signature: String
    }

    /// A click, read from its body: who clicked where, and the button's context.
    struct Click: Sendable, Hashable {
        var userID: String
        var channelID: String
        /// Signed by the server for ``userID``; the delivery id of the click.
        var triggerID: String
        var context: Context
        var verdict: ApprovalVerdict

        /// The signed fields of the button.
        var fields: ButtonContext.Fields {
            ButtonContext.Fields(
                approvalID: self.context.approvalId, decision: self.context.decision, channelID: self.context.channelId,
                expiresAt: Date(timeIntervalSince1970: TimeInterval(self.context.expiresAt))
            )
        }

        /// The click as the chat pipeline reads a person's gesture; it is answered in the click's own answer.
        var inbound: ChatInbound {
            ChatInbound(userID: self.userID, gesture: .decision(approvalID: self.context.approvalId, verdict: self.verdict), deliveryID: self.triggerID)
        }
    }

    /// Reads a click; anything Mattermost does not send for a click on one of the gateway's buttons is refused.
    static func click(body: [UInt8], contentType: String) throws(ChatInputError) -> Click {
        try ChatPlatforms.expect(mediaType: "application/json", in: contentType, sender: "Mattermost")
        let request = try ChatPlatforms.decode(
            PostActionRequest.self, from: body, snakeCase: true,
            otherwise: "the body is not a Mattermost action request with user_id, channel_id, post_id, trigger_id, type and the button's context"
        )
        guard request.type == "button" else { throw ChatInputError("type '\(excerpt(request.type))' is not button: the gateway offers buttons only") }
        let context = request.context
        guard request.contextKeyCount == 5 else {
            throw ChatInputError("context has keys a gateway button does not: it has approval_id, decision, channel_id, expires_at and signature")
        }
        guard ChatCommand.isIdentifier(context.approvalId, prefix: "apr_") else { throw ChatInputError("context.approval_id is not an approval id") }
        guard let verdict = ApprovalVerdict(word: context.decision) else { throw ChatInputError("context.decision is neither approve nor deny") }
        _ = try ChatPlatforms.identifier(request.postId, field: "post_id")
        return Click(
            userID: try ChatPlatforms.identifier(request.userId, field: "user_id"),
            channelID: try ChatPlatforms.identifier(request.channelId, field: "channel_id"),
            triggerID: try ChatPlatforms.identifier(request.triggerId, field: "trigger_id"),
            context: context, verdict: verdict
        )
    }

    func read(body: [UInt8], contentType: String) throws(ChatInputError) -> ChatInbound {
        try Self.click(body: body, contentType: contentType).inbound
    }

    /// A message to the person who clicked, alone (`ephemeral_text`).
    func answer(_ message: ChatMessage) -> [UInt8] {
        MattermostPlatform.actionAnswer(update: nil, ephemeral: message)
    }

    func followUp(_ message: ChatMessage) -> [UInt8] {
        MattermostPlatform().followUp(message)
    }

    /// The post clicked in, replaced by `message`.
    func update(_ message: ChatMessage) -> [UInt8] {
        MattermostPlatform().update(message)
    }

    // MARK: Wire types (snake case on the wire)

    /// `PostActionIntegrationRequest`; `user_name`, `channel_name`, `team_id`, `team_domain` and `data_source` are
    /// sent too, and not needed.
    private struct PostActionRequest: Decodable {
        /// Any key, to count the keys of `context`.
        private struct Keys: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        var userId: String
        var channelId: String
        var postId: String
        var triggerId: String
        var type: String
        var context: Context
        /// How many keys `context` has: the five of ``Context`` alone.
        var contextKeyCount: Int

        private enum CodingKeys: String, CodingKey {
            case userId, channelId, postId, triggerId, type, context
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.userId = try container.decode(String.self, forKey: .userId)
            self.channelId = try container.decode(String.self, forKey: .channelId)
            self.postId = try container.decode(String.self, forKey: .postId)
            self.triggerId = try container.decode(String.self, forKey: .triggerId)
            self.type = try container.decode(String.self, forKey: .type)
            self.context = try container.decode(Context.self, forKey: .context)
            self.contextKeyCount = try container.nestedContainer(keyedBy: Keys.self, forKey: .context).allKeys.count
        }
    }
}
