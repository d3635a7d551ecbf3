import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import TestSupport
import Testing

@testable import GatewayServer

/// Approvals in chat: the Approve and Deny buttons each platform shows as it documents them, the decisions read
/// from clicks and commands, and Mattermost clicks proven by the gateway's own signature and the server's
/// `trigger_id`.
@Suite("Chat approvals")
struct ChatApprovalTests {
    static let approvalID = "apr_0192f3a4b5c67d8e9f0a1b2c3d4e5f60"
    static let channelID = "4xp9fdt6fjbzmxnqhcus9nhmdw"
    static let userID = "erj6qck3rfgtujs86w5r6rckzh"
    static let actionURL = "https://gateway.example.com/v1/chat/mattermost/actions"
    static let now = Date(timeIntervalSince1970: 1_796_000_000)
    static let expiresAt = Date(timeIntervalSince1970: 1_796_000_600.25)
    static let serverKey = MattermostServerKey()
    static let channel = GatewayConfiguration.ApprovalChannel(
        webhook: .init("https://chat.example.com/hooks/xk7w3rq9ffnbdmz5j1oyc8tqae"), channelID: channelID, actionURL: actionURL,
        buttons: ButtonContext(secret: "b7c1e0f4a9d2c6e8f1a3b5d7c9e0f2a4")
    )

    static let approval = ApprovalRequest(
        id: approvalID, caller: "mattermost-ops", deliveryID: "d1", requestID: "req_0192f3a4b5c67d8e9f0a1b2c3d4e5f61", requestedBy: "alice",
        platform: "mattermost", action: .enable, targetKind: .credential, targetID: 42, ticket: "CHG0012345", createdAt: now, expiresAt: expiresAt
    )

    static func message(_ platform: ChatPlatformKind) -> ChatMessage {
        var message = ChatMessage(tone: .working, headline: "alice asks to enable credential 42", isPublic: true)
        message.decisionButtons = ChatMessages.decisionButtons(for: Self.approval, channel: Self.channel, platform: platform)
        return message
    }

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    // MARK: Rendering

    @Test("Slack: an actions block with Approve (primary) and Deny (danger, confirmed), each valued with the approval id")
    func slackButtons() throws {
        let body = try Self.json(SlackPlatform().followUp(Self.message(.slack)))
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        let actions = try #require(blocks.last)
        #expect(actions["type"] as? String == "actions")
        let elements = try #require(actions["elements"] as? [[String: Any]])
        #expect(elements.count == 2)
        let approve = elements[0], deny = elements[1]
        #expect(approve["type"] as? String == "button")
        #expect(approve["action_id"] as? String == "segura.approve")
        #expect(approve["value"] as? String == Self.approvalID)
        #expect(approve["style"] as? String == "primary")
        #expect(approve["confirm"] == nil)
        #expect((approve["text"] as? [String: Any])?["type"] as? String == "plain_text")
        #expect((approve["text"] as? [String: Any])?["text"] as? String == "Approve")
        #expect(deny["action_id"] as? String == "segura.deny")
        #expect(deny["value"] as? String == Self.approvalID)
        #expect(deny["style"] as? String == "danger")
        let confirm = try #require(deny["confirm"] as? [String: Any])
        for key in ["title", "text", "confirm", "deny"] {
            #expect((confirm[key] as? [String: Any])?["type"] as? String == "plain_text", "\(key)")
        }
        #expect((confirm["confirm"] as? [String: Any])?["text"] as? String == "Deny")
    }

    @Test("Slack: an update replaces the message clicked in; a follow-up never does")
    func slackUpdate() throws {
        let decided = ChatMessage(tone: .success, headline: "Approved by bob")
        #expect(try Self.json(SlackPlatform().update(decided))["replace_original"] as? Bool == true)
        #expect(try Self.json(SlackPlatform().followUp(decided))["replace_original"] as? Bool == false)
        let blocks = try #require(try Self.json(SlackPlatform().update(decided))["blocks"] as? [[String: Any]])
        #expect(!blocks.contains { $0["type"] as? String == "actions" })
    }

    @Test("Mattermost: attachment buttons whose integration posts the signed context to the actions route")
    func mattermostButtons() throws {
        let body = try Self.json(MattermostPlatform().followUp(Self.message(.mattermost)))
        let attachments = try #require(body["attachments"] as? [[String: Any]])
        let actions = try #require(attachments.first?["actions"] as? [[String: Any]])
        #expect(actions.count == 2)
        let key = try #require(Self.channel.buttons)
        for (action, (verdict, name, style)) in zip(actions, [("approve", "Approve", "success"), ("deny", "Deny", "danger")]) {
            let id = try #require(action["id"] as? String)
            #expect(!id.isEmpty && id.allSatisfy { $0.isLetter || $0.isNumber })
            #expect(action["name"] as? String == name)
            #expect(action["type"] as? String == "button")
            #expect(action["style"] as? String == style)
            let integration = try #require(action["integration"] as? [String: Any])
            #expect(integration["url"] as? String == Self.actionURL)
            let context = try #require(integration["context"] as? [String: Any])
            #expect(Set(context.keys) == ["approval_id", "decision", "channel_id", "expires_at", "signature"])
            #expect(context["approval_id"] as? String == Self.approvalID)
            #expect(context["decision"] as? String == verdict)
            #expect(context["channel_id"] as? String == Self.channelID)
            #expect((context["expires_at"] as? NSNumber)?.int64Value == 1_796_000_600)
            let fields = ButtonContext.Fields(approvalID: Self.approvalID, decision: verdict, channelID: Self.channelID, expiresAt: Self.expiresAt)
            #expect(throws: Never.self) { try key.verify(fields, signature: context["signature"] as? String ?? "", now: Self.now) }
        }
    }

    @Test("Mattermost: a click's answer replaces the post and its attachments; without a signed channel, the commands are offered")
    func mattermostUpdate() throws {
        let decided = ChatMessage(tone: .success, headline: "Approved by bob")
        let body = try Self.json(MattermostPlatform().update(decided))
        let update = try #require(body["update"] as? [String: Any])
        #expect((update["message"] as? String)?.contains("Approved by bob") == true)
        #expect((update["props"] as? [String: Any])?["attachments"] as? [Any] != nil)
        #expect(((update["props"] as? [String: Any])?["attachments"] as? [Any])?.isEmpty == true)
        #expect(body["ephemeral_text"] == nil)

        let refusal = try Self.json(MattermostActions().answer(ChatMessage(tone: .failure, headline: "bob may not approve")))
        #expect(refusal["update"] == nil)
        #expect((refusal["ephemeral_text"] as? String)?.contains("bob may not approve") == true)

        var unsigned = ChatMessage(tone: .working, headline: "waiting")
        unsigned.decisionButtons = ChatMessages.decisionButtons(for: Self.approval, channel: nil, platform: .mattermost)
        let text = MattermostPlatform.body(unsigned)
        #expect(text.attachments == nil)
        #expect(text.text.contains("`/segura approve \(Self.approvalID)` or `/segura deny \(Self.approvalID)`"))
    }

    @Test("Teams: no buttons; the card tells approvers what to type")
    func teamsLine() throws {
        let json = String(decoding: TeamsPlatform().followUp(Self.message(.teams)), as: UTF8.self)
        #expect(json.contains("`approve \(Self.approvalID)` or `deny \(Self.approvalID)`"))
        #expect(!json.contains("Action.Submit") && !json.contains("actions"))
        #expect(ChatMessages.decisionButtons(for: Self.approval, channel: Self.channel, platform: .teams).signed == nil)
        #expect(TeamsPlatform().update(Self.message(.teams)) == TeamsPlatform().followUp(Self.message(.teams)))
    }

    // MARK: Reading decisions

    static func slackClick(actionID: String, value: String) -> [UInt8] {
        let payload = """
            {"type":"block_actions","user":{"id":"U2","username":"bob","name":"bob","team_id":"T0001"},"api_app_id":"A1","token":"t",
            "container":{"type":"message","message_ts":"1.2","channel_id":"C9","is_ephemeral":false},"trigger_id":"1.2.abc",
            "team":{"id":"T0001","domain":"example"},"channel":{"id":"C9","name":"approvers"},"response_url":"https://hooks.slack.com/actions/T0001/9/xyz",
            "actions":[{"action_id":"\(actionID)","block_id":"b","text":{"type":"plain_text","text":"Approve"},"value":"\(value)","style":"primary","type":"button","action_ts":"1.3"}]}
            """
        return Array(("payload=" + payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!).utf8)
    }

    @Test("Slack: Approve and Deny clicks are decisions, answered on the approval message's response_url", arguments: [
        ("segura.approve", ApprovalVerdict.approve), ("segura.deny", .deny),
    ])
    func slackDecision(actionID: String, verdict: ApprovalVerdict) throws {
        let inbound = try SlackPlatform().read(body: Self.slackClick(actionID: actionID, value: Self.approvalID), contentType: ChatPlatformTests.form)
        #expect(inbound.gesture == .decision(approvalID: Self.approvalID, verdict: verdict))
        #expect(inbound.userID == "T0001/U2")
        #expect(inbound.replyURL == "https://hooks.slack.com/actions/T0001/9/xyz")
        #expect(!inbound.answersInline)
    }

    @Test("Slack: a decision whose value is not an approval id, or an action the gateway never offered, is refused", arguments: [
        ("segura.approve", "apr_0192F3A4B5C67D8E9F0A1B2C3D4E5F60"), ("segura.deny", "grt_0192f3a4b5c67d8e9f0a1b2c3d4e5f60"),
        ("segura.approve", "apr_1"), ("segura.escalate", "apr_0192f3a4b5c67d8e9f0a1b2c3d4e5f60"),
    ])
    func slackDecisionInvalid(actionID: String, value: String) {
        #expect(throws: ChatInputError.self) { try SlackPlatform().read(body: Self.slackClick(actionID: actionID, value: value), contentType: ChatPlatformTests.form) }
    }

    @Test("approve and deny commands, in any case, with an approval id")
    func commands() throws {
        #expect(try ChatCommand.parse("approve \(Self.approvalID)", person: "bob") == .decide(approvalID: Self.approvalID, verdict: .approve))
        #expect(try ChatCommand.parse("DENY \(Self.approvalID)", person: "bob") == .decide(approvalID: Self.approvalID, verdict: .deny))
        for (text, expected) in [("approve", "expected approve <approval id>"), ("deny grt_0192f3a4b5c67d8e9f0a1b2c3d4e5f60", "is not an id"), ("approve \(Self.approvalID) now", "unexpected 'now'")] {
            #expect(throws: RequestValidationError.self, "\(text)") { try ChatCommand.parse(text, person: "bob") }
            #expect((try? ChatCommand.parse(text, person: "bob")) == nil)
            do { _ = try ChatCommand.parse(text, person: "bob") } catch { #expect(error.message.contains(expected), "\(error.message)") }
        }
        #expect(ChatCommand.verbs.contains("approve, deny"))
        #expect(ChatMessages.help(for: "bob").plainText.contains("approve <approval id>"))
    }

    // MARK: Mattermost clicks

    /// A click as Mattermost's server posts it (`PostActionIntegrationRequest`), on the button of `decision`.
    static func click(decision: String = "approve", channel: String = channelID, user: String = userID, context: [String: Any]? = nil) throws -> [UInt8] {
        let message = Self.message(.mattermost)
        let body = try Self.json(MattermostPlatform().followUp(message))
        let actions = try #require((body["attachments"] as? [[String: Any]])?.first?["actions"] as? [[String: Any]])
        let button = try #require(actions.first { ($0["integration"] as? [String: Any]).flatMap { $0["context"] as? [String: Any] }?["decision"] as? String == decision })
        let signed = try #require((button["integration"] as? [String: Any])?["context"] as? [String: Any])
        let request: [String: Any] = [
            "user_id": user, "user_name": "bob", "channel_id": channel, "channel_name": "approvers", "team_id": "wx4zz8t4ttgmtxqiwfohijayzc",
            "team_domain": "ops", "post_id": "q9rnpbwq3ifnbqhx6pwsbxiusw", "trigger_id": try Self.serverKey.triggerID(user: user, at: Self.now),
            "type": "button", "data_source": "", "context": context ?? signed,
        ]
        return Array(try JSONSerialization.data(withJSONObject: request))
    }

    static func verifier() throws -> MattermostClickVerifier {
        var chat = GatewayConfiguration.Chat(platform: .mattermost, people: [userID: .init(name: "bob")], replyURLPrefixes: ["https://chat.example.com/hooks/commands/"])
        chat.triggerIDs = MattermostTriggerID(publicKey: Self.serverKey.publicKey)
        chat.approvalChannel = Self.channel
        let verifier = CallerVerifier(scheme: .staticToken, secrets: [try WebhookSecret("qzgakf1nx3yt9dr4n8585ihbxy", scheme: .staticToken)])
        let policy = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential])
        return MattermostClickVerifier(callers: [GatewayConfiguration.Caller(name: "mattermost-ops", verifier: verifier, policy: policy, chat: chat)])
    }

    @Test("a Mattermost click reads as the decision of its user, its trigger_id the delivery")
    func mattermostClick() throws {
        let click = try MattermostActions.click(body: try Self.click(decision: "deny"), contentType: "application/json")
        #expect(click.verdict == .deny)
        #expect(click.channelID == Self.channelID)
        #expect(click.inbound.gesture == .decision(approvalID: Self.approvalID, verdict: .deny))
        #expect(click.inbound.userID == Self.userID)
        #expect(click.inbound.deliveryID == click.triggerID)
        #expect(click.inbound.answersInline)
        let (caller, chat) = try Self.verifier().verify(click, now: Self.now)
        #expect(caller.name == "mattermost-ops")
        #expect(chat.people[Self.userID]?.name == "bob")
    }

    @Test("a Mattermost body other than a click on a gateway button is refused", arguments: [
        ("{\"user_id\":\"u\"}", "application/json"),
        ("{}", "application/x-www-form-urlencoded"),
    ])
    func mattermostClickInvalid(body: String, contentType: String) {
        #expect(throws: ChatInputError.self) { try MattermostActions.click(body: Array(body.utf8), contentType: contentType) }
        #expect((try? MattermostActions.click(body: Array(body.utf8), contentType: "text/plain")) == nil)
    }

    @Test("a context with a key, a decision or an approval id the gateway never writes is refused")
    func mattermostContextInvalid() throws {
        let signed = ["approval_id": Self.approvalID, "decision": "approve", "channel_id": Self.channelID, "expires_at": 1_796_000_600, "signature": "x"] as [String: Any]
        for changed in [signed.merging(["admin": true]) { $1 }, signed.merging(["decision": "escalate"]) { $1 }, signed.merging(["approval_id": "apr_1"]) { $1 }] {
            #expect(throws: ChatInputError.self) { try MattermostActions.click(body: try Self.click(context: changed), contentType: "application/json") }
        }
        #expect(throws: ChatInputError.self) {
            try MattermostActions.click(body: Array(String(decoding: try Self.click(), as: UTF8.self).replacingOccurrences(of: "\"button\"", with: "\"select\"").utf8), contentType: "application/json")
        }
    }

    @Test("a forged, altered, moved or expired button, or another user's trigger, fails", arguments: [
        "forged", "altered decision", "other channel", "expired", "other user",
    ])
    func mattermostClickRefused(case name: String) throws {
        let verifier = try Self.verifier()
        var body = try Self.click()
        var now = Self.now
        var expected = SignatureError.signatureMismatch
        switch name {
        case "forged":
            let forged = ButtonContext(secret: "an attacker's key of 32 bytes...")!.signature(
                for: .init(approvalID: Self.approvalID, decision: "approve", channelID: Self.channelID, expiresAt: Self.expiresAt)
            )
            let context: [String: Any] = ["approval_id": Self.approvalID, "decision": "approve", "channel_id": Self.channelID, "expires_at": 1_796_000_600, "signature": forged]
            body = try Self.click(context: context)
        case "altered decision":
            let deny = try #require(try Self.json(Self.click(decision: "deny"))["context"] as? [String: Any])
            body = try Self.click(decision: "approve", context: deny.merging(["decision": "approve"]) { $1 })
        case "other channel":
            body = try Self.click(channel: "zz9fdt6fjbzmxnqhcus9nhmdw0")
        case "expired":
            now = Self.expiresAt
            expected = .staleTimestamp
        case "other user":
            var request = try Self.json(body)
            request["trigger_id"] = try Self.serverKey.triggerID(user: "someoneelse0000000000000000", at: Self.now)
            body = Array(try JSONSerialization.data(withJSONObject: request))
        default:
            Issue.record("no such case \(name)")
        }
        let click = try MattermostActions.click(body: body, contentType: "application/json")
        #expect(throws: expected) { try verifier.verify(click, now: now) }
    }
}
