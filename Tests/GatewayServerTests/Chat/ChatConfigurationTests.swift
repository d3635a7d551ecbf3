import Foundation
import GatewaySecurity
@testable import GatewayServer
import GatewayVocabulary
import Testing

/// The `chat` section of a caller: the recipes of docs/chat.md load, and every mistake names its key.
@Suite("Chat configuration")
struct ChatConfigurationTests {
    static let segura = """
        segura:
          base_url: https://segura.example.com
          client_id: gateway
          client_secret: env:SEGURA_SECRET
        callers:

        """

    static let environment = [
        "SEGURA_SECRET": "s3cr3t",
        "SERVICENOW_SECRET": "whsec_" + Data(repeating: 5, count: 32).base64EncodedString(),
        "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
        "TEAMS_SECURITY_TOKEN": Data(repeating: 3, count: 32).base64EncodedString(),
        "TEAMS_WORKFLOW_URL": "https://prod.westeurope.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=abc",
        "MATTERMOST_COMMAND_TOKEN": "qzgakf1nx3yt9dr4n8585ihbxy",
        "APPROVERS_WEBHOOK": "https://chat.example.com/hooks/xk7w3rq9ffnbdmz5j1oyc8tqae",
        "BUTTON_SECRET": "b7c1e0f4a9d2c6e8f1a3b5d7c9e0f2a4",
        "SHORT_SECRET": "too short",
    ]

    /// The Mattermost server key of docs/chat.md's recipe.
    static let mattermostKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEM5i7N2uzQgNauHoaZISOyKQUIB1c2jXvMv1KzL6BQPH4VnPjOU0Ty34cK1DChOUeV580CIYBxcefGCbYx/XLGg=="
    static let mattermostApprovals = """
          approval_channel:
            webhook: env:APPROVERS_WEBHOOK
            channel_id: 4xp9fdt6fjbzmxnqhcus9nhmdw
            action_url: https://gateway.example.com/v1/chat/mattermost/actions
            button_secret: env:BUTTON_SECRET
        """

    private func load(_ callers: String) async throws -> GatewayConfiguration {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chat-\(UUID().uuidString).yaml").path
        try (Self.segura + callers).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await GatewayConfigurationLoader.load(path: path, environment: Self.environment)
    }

    /// Loads the caller `ops` from `caller` and expects a mistake reported at `callers.ops.<key>`, saying `message`.
    private func expectIssue(_ caller: String, at key: String, saying message: String) async throws {
        let error = try await #require(throws: ConfigurationError.self) { try await self.load(caller) }
        let issue = error.issues.first { $0.keyPath == "callers.ops.\(key)" }
        #expect(issue?.message.contains(message) == true, "\(error.issues)")
    }

    /// The `callers:` entries of the set-up recipes in docs/chat.md, as a reader would paste them.
    static func recipes() throws -> String {
        let page = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/GatewayServerTests/Chat/ChatConfigurationTests.swift", with: "docs/chat.md"), encoding: .utf8)
        let blocks = page.components(separatedBy: "```yaml\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        return blocks.filter { $0.hasPrefix("callers:\n") }.map { $0.dropFirst("callers:\n".count) }.joined()
    }

    @Test("the three recipes of docs/chat.md load, each with its platform, people and policies")
    func recipesLoad() async throws {
        let configuration = try await self.load(try Self.recipes())
        let chats = Dictionary(uniqueKeysWithValues: configuration.callers.compactMap { caller in caller.chat.map { (caller.name, $0) } })
        #expect(chats.count == 3)
        let slack = try #require(chats["slack-ops"])
        #expect(slack.platform == .slack)
        #expect(slack.people["T0001/U2147483697"]?.name == "alice")
        #expect(slack.people["T0001/U0BOB"]?.policy?.allowedActions == [.enable])
        #expect(slack.replyURLPrefixes == ["https://hooks.slack.com/"])
        #expect(slack.inlineWait == .milliseconds(1800))
        let teams = try #require(chats["teams-ops"])
        #expect(teams.incomingWebhook != nil)
        #expect(!"\(teams.incomingWebhook!)".contains("sig="))
        #expect(chats["mattermost-ops"]?.replyURLPrefixes == ["https://chat.example.com/hooks/commands/"])
        #expect(chats["mattermost-ops"]?.triggerIDs != nil)
    }

    @Test("approval rules load for a caller and a person, and name only people and callers that exist")
    func approvals() async throws {
        let callers = """
              ops:
                scheme: slack-v0
                secrets: [env:SLACK_SIGNING_SECRET]
                policy: {actions: [enable, disable], kinds: [credential]}
                approval:
                  when: {actions: [enable], ids: {credential: ["40-49"]}, duration_over: PT1H}
                  approvers: [bob, carol]
                  approver_callers: [servicenow]
                  expires_after: PT10M
                chat:
                  platform: slack
                  people:
                    alice: {user: T1/U1, approval: {approvers: [bob, carol], required: 2}}
                    bob: {user: T1/U2}
                    carol: {user: T1/U3}
              servicenow:
                secrets: [env:SERVICENOW_SECRET]
                policy: {actions: [enable], kinds: [credential]}

            """
        let configuration = try await self.load(callers)
        let caller = try #require(configuration.callers.first)
        let rule = try #require(caller.approval)
        #expect(rule.requiresApproval(action: .enable, kind: .credential, id: 42, duration: .seconds(7200)))
        #expect(!rule.requiresApproval(action: .enable, kind: .credential, id: 42, duration: .seconds(1800)))
        #expect(rule.approverCallers == ["servicenow"])
        #expect(rule.expiresAfter == .seconds(600))
        #expect(caller.chat?.people["T1/U1"]?.approval?.requiredApprovals == 2)

        let misspelt = callers.replacingOccurrences(of: "approvers: [bob, carol]\n      approver_callers: [servicenow]", with: "approvers: [bbo]\n      approver_callers: [servicenw]")
        let error = try await #require(throws: ConfigurationError.self) { try await self.load(misspelt) }
        #expect(error.issues.contains { $0.keyPath == "callers.ops.approval.approvers" && $0.message.contains("'bbo' is not one of this caller's chat people") })
        #expect(error.issues.contains { $0.keyPath == "callers.ops.approval.approver_callers" && $0.message.contains("'servicenw' is not a configured caller") })

        // A request's own sender, or a chat caller, cannot approve; a Slack request cannot outlive its response_url.
        let own = callers.replacingOccurrences(of: "approver_callers: [servicenow]", with: "approver_callers: [ops]")
        let ownError = try await #require(throws: ConfigurationError.self) { try await self.load(own) }
        #expect(ownError.issues.contains { $0.keyPath == "callers.ops.approval.approver_callers" && $0.message.contains("this rule's own caller") })
        let long = callers.replacingOccurrences(of: "expires_after: PT10M", with: "expires_after: PT1H")
        let longError = try await #require(throws: ConfigurationError.self) { try await self.load(long) }
        #expect(longError.issues.contains { $0.keyPath == "callers.ops.approval.expires_after" && $0.message.contains("at most PT25M") })
    }

    @Test("an approval channel: the webhook for every platform; for Mattermost its channel, action URL and button key")
    func approvalChannels() async throws {
        let callers = """
              slack-ops:
                scheme: slack-v0
                secrets: [env:SLACK_SIGNING_SECRET]
                policy: {actions: [enable], kinds: [credential]}
                chat:
                  platform: slack
                  approval_channel: {webhook: env:APPROVERS_WEBHOOK}
                  people: {alice: {user: T1/U1}}
              mattermost-ops:
                scheme: static-token
                secrets: [env:MATTERMOST_COMMAND_TOKEN]
                policy: {actions: [enable], kinds: [credential]}
                chat:
                  platform: mattermost
                  reply_url_prefixes: ["https://chat.example.com/hooks/commands/"]
                  signing_public_key: \(Self.mattermostKey)
            \(Self.mattermostApprovals.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
                  people: {alice: {user: erj6qck3rfgtujs86w5r6rckzh}}

            """
        let configuration = try await self.load(callers)
        let chats = Dictionary(uniqueKeysWithValues: configuration.callers.compactMap { caller in caller.chat.map { (caller.name, $0) } })
        let slack = try #require(chats["slack-ops"]?.approvalChannel)
        #expect(slack.webhook.value == Self.environment["APPROVERS_WEBHOOK"])
        #expect(slack.channelID == nil && slack.actionURL == nil && slack.buttons == nil)
        let mattermost = try #require(chats["mattermost-ops"]?.approvalChannel)
        #expect(mattermost.channelID == "4xp9fdt6fjbzmxnqhcus9nhmdw")
        #expect(mattermost.actionURL == "https://gateway.example.com/v1/chat/mattermost/actions")
        #expect(mattermost.buttons != nil)
        // Neither the webhook nor the button key is ever printed.
        let printed = "\(mattermost)" + String(reflecting: mattermost)
        #expect(!printed.contains("xk7w3rq9") && !printed.contains(Self.environment["BUTTON_SECRET"]!))
    }

    @Test(
        "each approval channel mistake is reported with its key",
        arguments: [
            ("slack", "approval_channel: {channel_id: C1}", "chat.approval_channel.webhook", "is required"),
            ("slack", "approval_channel: {webhook: env:APPROVERS_WEBHOOK, channel_id: C1}", "chat.approval_channel.channel_id", "is for mattermost only"),
            ("teams", "approval_channel: {webhook: env:APPROVERS_WEBHOOK, button_secret: env:BUTTON_SECRET}", "chat.approval_channel.button_secret", "is for mattermost only"),
            ("mattermost", "approval_channel: {webhook: env:APPROVERS_WEBHOOK}", "chat.approval_channel.channel_id", "is required"),
            ("mattermost", "approval_channel: {webhook: env:APPROVERS_WEBHOOK}", "chat.approval_channel.action_url", "is required"),
            ("mattermost", "approval_channel: {webhook: env:APPROVERS_WEBHOOK}", "chat.approval_channel.button_secret", "is required"),
            (
                "mattermost", "approval_channel: {webhook: env:APPROVERS_WEBHOOK, channel_id: c1, action_url: https://gw.example.com/v1/chat/mattermost, button_secret: env:BUTTON_SECRET}",
                "chat.approval_channel.action_url", "ending in /v1/chat/mattermost/actions"
            ),
            (
                "mattermost", "approval_channel: {webhook: env:APPROVERS_WEBHOOK, channel_id: c1, action_url: https://gw.example.com/v1/chat/mattermost/actions, button_secret: env:SHORT_SECRET}",
                "chat.approval_channel.button_secret", "at least 32 bytes"
            ),
            ("slack", "approval_channel: {webhook: env:MATTERMOST_COMMAND_TOKEN}", "chat.approval_channel.webhook", "absolute http(s) URL"),
        ]
    )
    func approvalChannelMistakes(platform: String, channel: String, key: String, message: String) async throws {
        let scheme = ["slack": "slack-v0\n    secrets: [env:SLACK_SIGNING_SECRET]", "teams": "teams-hmac\n    secrets: [env:TEAMS_SECURITY_TOKEN]",
            "mattermost": "static-token\n    secrets: [env:MATTERMOST_COMMAND_TOKEN]"][platform]!
        let extra = platform == "teams" ? "\n      incoming_webhook: env:TEAMS_WORKFLOW_URL" : platform == "mattermost"
            ? "\n      reply_url_prefixes: [\"https://chat.example.com/hooks/commands/\"]\n      signing_public_key: \(Self.mattermostKey)" : ""
        let caller = "  ops:\n    scheme: \(scheme)\n    policy: {actions: [enable], kinds: [credential]}\n    chat:\n      platform: \(platform)\(extra)\n      \(channel)\n      people: {alice: {user: a1}}\n"
        try await self.expectIssue(caller, at: key, saying: message)
    }

    @Test("a Mattermost approval channel needs the server's signing key, the one proof of who clicked")
    func mattermostButtonsNeedTheServerKey() async throws {
        let caller = "  ops:\n    scheme: static-token\n    secrets: [env:MATTERMOST_COMMAND_TOKEN]\n    policy: {actions: [enable], kinds: [credential]}\n"
            + "    chat:\n      platform: mattermost\n      reply_url_prefixes: [\"https://chat.example.com/hooks/commands/\"]\n"
            + Self.mattermostApprovals.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n      people: {alice: {user: a1}}\n"
        try await self.expectIssue(caller, at: "chat.signing_public_key", saying: "only its trigger_id proves which user clicked")
    }

    @Test(
        "each mistake is reported with its key",
        arguments: [
            ("scheme: standard-webhooks\n    secrets: [env:SEGURA_SECRET]", "platform: slack\n      people: {alice: {user: T1/U1}}", "chat.platform", "signs with slack-v0"),
            ("scheme: slack-v0\n    secrets: [env:SLACK_SIGNING_SECRET]", "platform: slack", "chat.people", "at least one person"),
            ("scheme: slack-v0\n    secrets: [env:SLACK_SIGNING_SECRET]", "platform: slack\n      people: {alice: {user: U1}}", "chat.people.alice.user", "<team_id>/<user_id>"),
            ("scheme: slack-v0\n    secrets: [env:SLACK_SIGNING_SECRET]", "platform: slack\n      people: {alice: {user: T1/U1}, eve: {user: T1/U1}}", "chat.people.eve.user", "already alice's"),
            ("scheme: static-token\n    secrets: [env:MATTERMOST_COMMAND_TOKEN]", "platform: mattermost\n      people: {alice: {user: abc}}", "chat.reply_url_prefixes", "required for mattermost"),
            ("scheme: slack-v0\n    secrets: [env:SLACK_SIGNING_SECRET]", "platform: slack\n      reply_url_prefixes: [\"https://hooks.slack.com\"]\n      people: {alice: {user: T1/U1}}", "chat.reply_url_prefixes[0]", "ending in /"),
            ("scheme: teams-hmac\n    secrets: [env:TEAMS_SECURITY_TOKEN]", "platform: teams\n      people: {alice: {user: a}}", "chat.incoming_webhook", "is required"),
            ("scheme: slack-v0\n    secrets: [env:SLACK_SIGNING_SECRET]", "platform: irc\n      people: {alice: {user: a}}", "chat.platform", "must be one of slack, teams, mattermost"),
            ("scheme: slack-v0\n    secrets: [env:SLACK_SIGNING_SECRET]", "platform: slack\n      answer_within_percent: 95\n      people: {alice: {user: T1/U1}}", "chat.answer_within_percent", "between 10 and 90"),
            // A narrowing rule alone is never dropped: the person's policy is read whole.
            ("scheme: slack-v0\n    secrets: [env:SLACK_SIGNING_SECRET]", "platform: slack\n      people: {bob: {user: T1/U1, policy: {max_duration: PT1H}}}", "chat.people.bob.policy.actions", "is required"),
            // A misspelt key never turns a chat caller into an API caller.
            ("scheme: slack-v0\n    secrets: [env:SLACK_SIGNING_SECRET]", "platfrom: slack", "chat.platform", "is required"),
        ]
    )
    func mistakes(scheme: String, chat: String, key: String, message: String) async throws {
        let caller = "  ops:\n    \(scheme)\n    policy: {actions: [enable], kinds: [credential]}\n    chat:\n      \(chat)\n"
        try await self.expectIssue(caller, at: key, saying: message)
    }
}

@Suite("Chat reply URLs")
struct ChatReplyURLTests {
    static let chat = GatewayConfiguration.Chat(platform: .mattermost, people: [:], replyURLPrefixes: ["https://chat.example.com/hooks/commands/"])

    @Test("a response_url under a prefix is allowed")
    func allowed() {
        #expect(Self.chat.allowsReply(to: "https://chat.example.com/hooks/commands/i11f6nnfgfyk8eg56x9omc6dpa"))
    }

    @Test(
        "a response_url that could resolve elsewhere is refused, whatever its start",
        arguments: [
            "https://chat.example.com/hooks/commands/../../api/v4/posts",
            "https://chat.example.com/hooks/commands/%2e%2e/%2E%2E/api",
            "https://chat.example.com/hooks/commands/x%2Fy",
            "https://chat.example.com/hooks/commands/..",
            "https://chat.example.com/hooks/commands/a\\b",
            "https://chat.example.com/hooks/commands/a b",
            "https://chat.example.com.evil.example/hooks/commands/x",
            "http://chat.example.com/hooks/commands/x",
            "https://chat.example.com/hooks/other/x",
        ]
    )
    func refused(url: String) {
        #expect(!Self.chat.allowsReply(to: url))
    }
}
