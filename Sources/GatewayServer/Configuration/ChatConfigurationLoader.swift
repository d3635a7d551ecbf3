import Foundation
import GatewaySecurity
import Yams

/// Reads a caller's `chat` section: which platform calls, who may use it, and how answers reach people.
///
/// ```yaml
/// chat:
///   platform: slack                      # slack, teams or mattermost
///   answer_within_percent: 60            # of the platform's deadline, before answering "working on it"
///   reply_url_prefixes: ["https://hooks.slack.com/"]   # where response_url may point (Mattermost: required)
///   incoming_webhook: env:TEAMS_WEBHOOK  # Teams only, required: where later results are posted
///   signing_public_key: MFkwEw…          # Mattermost only: the server's AsymmetricSigningPublicKey, to check trigger_id
///   approval_channel:                    # where approvers see requests that wait for them
///     webhook: env:APPROVERS_WEBHOOK     # the channel's incoming webhook (a secret reference)
///     channel_id: 4xp9fdt…               # Mattermost only, required: the channel that webhook posts to
///     action_url: https://gateway.example.com/v1/chat/mattermost/actions   # Mattermost only, required
///     button_secret: env:BUTTON_SECRET   # Mattermost only, required: at least 32 bytes, signs each button
///   people:
///     alice:
///       user: T0001/U2147483697          # Slack team_id/user_id, Teams aadObjectId, Mattermost user_id
///       policy: {actions: [enable], kinds: [credential], ids: {credential: ["42"]}, max_duration: PT2H}
/// ```
///
/// The platform fixes the signature scheme (Slack `slack-v0`, Teams `teams-hmac`, Mattermost `static-token`),
/// so a chat caller cannot be configured to accept requests its platform never signs.
enum ChatConfigurationLoader {
    /// The mappings of a caller's `chat` section in the file: what the configuration reader cannot list.
    struct Outline {
        let node: Node?
        let caller: String

        /// The keys under `chat.<path>`.
        func keys(_ path: String...) -> [String] {
            GatewayConfigurationLoader.mappingKeys(in: self.node, at: ["callers", self.caller, "chat"] + path)
        }
    }

    static func chat(
        _ section: ConfigSection, outline: Outline, scheme: SignatureScheme, tolerance: Duration, environment: [String: String]
    ) -> GatewayConfiguration.Chat? {
        // Any key under `chat` makes the caller a chat caller, so a misspelt platform is an error, never an API caller.
        guard !outline.keys().isEmpty else { return nil }
        guard let platformName = section.requiredString("platform") else { return nil }
        guard let platform = ChatPlatformKind(rawValue: platformName) else {
            section.fail("platform", "must be one of \(ChatPlatformKind.allCases.map(\.rawValue).joined(separator: ", ")), found '\(platformName)'")
            return nil
        }
        if scheme != platform.scheme {
            section.fail("platform", "\(platform.rawValue) signs with \(platform.scheme.rawValue): set the caller's scheme to \(platform.scheme.rawValue)")
        }
        let people = self.people(section, outline: outline, platform: platform)
        var chat = GatewayConfiguration.Chat(platform: platform, people: people)
        chat.answerWithin = Double(section.int("answer_within_percent", default: 60, range: 10...90)) / 100
        if let prefixes = section.stringArray("reply_url_prefixes") {
            for (index, prefix) in prefixes.enumerated() where !Self.isURLPrefix(prefix) {
                section.fail("reply_url_prefixes[\(index)]", "'\(prefix)' is not an http(s) URL with a host and a path ending in /")
            }
            chat.replyURLPrefixes = prefixes
        }
        if platform == .mattermost, chat.replyURLPrefixes.isEmpty {
            section.fail("reply_url_prefixes", "is required for mattermost: the server's own URL, such as https://chat.example.com/hooks/commands/")
        }
        if let key = section.string("signing_public_key") {
            if platform != .mattermost {
                section.fail("signing_public_key", "is for mattermost only")
            } else if let verifier = MattermostTriggerID(publicKey: key, tolerance: tolerance) {
                chat.triggerIDs = verifier
            } else {
                section.fail("signing_public_key", "is not a P-256 public key (PEM, or base64 of its DER, as Mattermost's AsymmetricSigningPublicKey)")
            }
        }
        if platform == .teams {
            if let url = GatewayConfigurationLoader.secret(section, "incoming_webhook", required: true, environment: environment) {
                if Self.isAbsoluteURL(url) {
                    chat.incomingWebhook = GatewayConfiguration.SecretURL(url)
                } else {
                    section.fail("incoming_webhook", "must resolve to an absolute http(s) URL (a Teams Workflows webhook)")
                }
            }
        } else if section.contains("incoming_webhook") {
            section.fail("incoming_webhook", "is for teams only; \(platform.rawValue) answers on response_url")
        }
        if !outline.keys("approval_channel").isEmpty {
            chat.approvalChannel = Self.approvalChannel(section.section("approval_channel"), platform: platform, environment: environment)
            if platform == .mattermost, chat.triggerIDs == nil {
                section.fail(
                    "signing_public_key",
                    "is required with an approval_channel on mattermost: a button click is unsigned, and only its trigger_id proves which user clicked"
                )
            }
        }
        return chat
    }

    /// `approval_channel`: the webhook of the approvers' channel, and for Mattermost what its buttons need.
    private static func approvalChannel(
        _ section: ConfigSection, platform: ChatPlatformKind, environment: [String: String]
    ) -> GatewayConfiguration.ApprovalChannel? {
        let webhook = GatewayConfigurationLoader.secret(section, "webhook", required: true, environment: environment)
        if let webhook, !Self.isAbsoluteURL(webhook) {
            section.fail("webhook", "must resolve to an absolute http(s) URL (the incoming webhook of the approvers' channel)")
        }
        let mattermostKeys = ["channel_id", "action_url", "button_secret"]
        guard platform == .mattermost else {
            for key in mattermostKeys where section.contains(key) {
                section.fail(key, "is for mattermost only; \(platform.rawValue) signs its button clicks itself")
            }
            return webhook.map { GatewayConfiguration.ApprovalChannel(webhook: GatewayConfiguration.SecretURL($0)) }
        }
        let channelID = section.requiredString("channel_id")
        if let channelID, !platform.isValidUserID(channelID) {
            section.fail("channel_id", "'\(channelID)' is not a mattermost channel id (the channel's View Info shows it)")
        }
        let actionURL = section.requiredString("action_url")
        if let actionURL, !Self.isAbsoluteURL(actionURL) || !actionURL.hasSuffix(MattermostActions.path) {
            section.fail("action_url", "must be an absolute http(s) URL ending in \(MattermostActions.path), as the Mattermost server reaches the gateway")
        }
        var buttons: ButtonContext?
        if let secret = GatewayConfigurationLoader.secret(section, "button_secret", required: true, environment: environment) {
            buttons = ButtonContext(secret: secret)
            if buttons == nil { section.fail("button_secret", "must be at least 32 bytes: it is the key that signs every button") }
        }
        guard let webhook, let channelID, let actionURL, let buttons else { return nil }
        return GatewayConfiguration.ApprovalChannel(webhook: GatewayConfiguration.SecretURL(webhook), channelID: channelID, actionURL: actionURL, buttons: buttons)
    }

    /// An absolute http(s) URL with a host.
    private static func isAbsoluteURL(_ text: String) -> Bool {
        guard let url = URL(string: text) else { return false }
        return ["http", "https"].contains(url.scheme ?? "") && url.host != nil
    }

    /// `people.<name>`: each person's platform user id, unique within the caller, and optional narrower policy.
    private static func people(_ chat: ConfigSection, outline: Outline, platform: ChatPlatformKind) -> [String: GatewayConfiguration.ChatPerson] {
        let names = outline.keys("people")
        if names.isEmpty { chat.fail("people", "at least one person is required: only mapped people may act from chat") }
        var people: [String: GatewayConfiguration.ChatPerson] = [:]
        for name in names {
            let entry = chat.section("people").section(name)
            // Azure AD object ids are GUIDs, which Teams may write in either case.
            guard let user = entry.requiredString("user").map({ platform == .teams ? $0.lowercased() : $0 }) else { continue }
            guard platform.isValidUserID(user) else {
                entry.fail("user", "'\(user)' is not a \(platform.rawValue) user id: expected \(platform.userIDFormat)")
                continue
            }
            // A policy section with any key is read whole (actions and kinds required), so a narrowing rule written
            // alone (`max_duration: PT1H`) is never dropped in silence, leaving the person the caller's whole policy.
            let policy = outline.keys("people", name, "policy").isEmpty ? nil : GatewayConfigurationLoader.policy(entry.section("policy"))
            if let other = people[user] {
                entry.fail("user", "\(user) is already \(other.name)'s: one platform user is one person")
                continue
            }
            let approval = ApprovalConfigurationLoader.rule(entry.section("approval"), keys: outline.keys("people", name, "approval"))
            people[user] = GatewayConfiguration.ChatPerson(name: name, policy: policy, approval: approval)
        }
        return people
    }

    /// `https://host/…/`: a scheme, a host, and a path that ends in `/`, so a prefix cannot be completed into
    /// another host (`https://hooks.slack.com` would admit `https://hooks.slack.com.evil.example`).
    private static func isURLPrefix(_ text: String) -> Bool {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else { return false }
        return url.user == nil && url.query == nil && url.fragment == nil && text.hasSuffix("/")
    }
}

extension ChatPlatformKind {
    /// The signature scheme the platform signs with.
    public var scheme: SignatureScheme {
        switch self {
        case .slack: .slackV0
        case .teams: .teamsHMAC
        case .mattermost: .staticToken
        }
    }

    /// The form field that also carries the static token (Mattermost sends it in `Authorization` and as `token`).
    public var tokenFormField: String? {
        self == .mattermost ? "token" : nil
    }

    /// Whether `text` has the form of the platform's user id (``userIDFormat``).
    func isValidUserID(_ text: String) -> Bool {
        let isIDCharacter = { (byte: UInt8) in (0x21...0x7E).contains(byte) && byte != UInt8(ascii: "/") }
        switch self {
        case .slack:
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.utf8.count <= 64 && $0.utf8.allSatisfy(isIDCharacter) }
        case .teams, .mattermost:
            return !text.isEmpty && text.utf8.count <= 255 && text.utf8.allSatisfy(isIDCharacter)
        }
    }
}
