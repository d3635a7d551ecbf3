import Foundation
import GatewaySecurity

/// Reads a caller's `chat` section: which platform calls, who may use it, and how answers reach people.
///
/// ```yaml
/// chat:
///   platform: slack                      # slack, teams or mattermost
///   answer_within_percent: 60            # of the platform's deadline, before answering "working on it"
///   reply_url_prefixes: ["https://hooks.slack.com/"]   # where response_url may point (Mattermost: required)
///   incoming_webhook: env:TEAMS_WEBHOOK  # Teams only, required: where later results are posted
///   people:
///     alice:
///       user: T0001/U2147483697          # Slack team_id/user_id, Teams aadObjectId, Mattermost user_id
///       policy: {actions: [enable], kinds: [credential], ids: {credential: ["42"]}, max_duration: PT2H}
/// ```
///
/// The platform fixes the signature scheme (Slack `slack-v0`, Teams `teams-hmac`, Mattermost `static-token`),
/// so a chat caller cannot be configured to accept requests its platform never signs.
enum ChatConfigurationLoader {
    static func chat(_ section: ConfigSection, people names: [String], scheme: SignatureScheme, environment: [String: String]) -> GatewayConfiguration.Chat? {
        guard section.contains("platform") || !names.isEmpty else { return nil }
        guard let platformName = section.requiredString("platform") else { return nil }
        guard let platform = ChatPlatformKind(rawValue: platformName) else {
            section.fail("platform", "must be one of \(ChatPlatformKind.allCases.map(\.rawValue).joined(separator: ", ")), found '\(platformName)'")
            return nil
        }
        if scheme != platform.scheme {
            section.fail("platform", "\(platform.rawValue) signs with \(platform.scheme.rawValue): set the caller's scheme to \(platform.scheme.rawValue)")
        }
        let people = self.people(section, names: names, platform: platform)
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
        if platform == .teams {
            if let url = GatewayConfigurationLoader.secret(section, "incoming_webhook", required: true, environment: environment) {
                if let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil {
                    chat.incomingWebhook = GatewayConfiguration.SecretURL(url)
                } else {
                    section.fail("incoming_webhook", "must resolve to an absolute http(s) URL (a Teams Workflows webhook)")
                }
            }
        } else if section.contains("incoming_webhook") {
            section.fail("incoming_webhook", "is for teams only; \(platform.rawValue) answers on response_url")
        }
        return chat
    }

    /// `people.<name>`: each person's platform user id, unique within the caller, and optional narrower policy.
    private static func people(_ chat: ConfigSection, names: [String], platform: ChatPlatformKind) -> [String: GatewayConfiguration.ChatPerson] {
        if names.isEmpty { chat.fail("people", "at least one person is required: only mapped people may act from chat") }
        var people: [String: GatewayConfiguration.ChatPerson] = [:]
        for name in names {
            let entry = chat.section("people").section(name)
            guard let user = entry.requiredString("user") else { continue }
            guard platform.isValidUserID(user) else {
                entry.fail("user", "'\(user)' is not a \(platform.rawValue) user id: expected \(platform.userIDFormat)")
                continue
            }
            let policySection = entry.section("policy")
            let policy = policySection.contains("actions") || policySection.contains("kinds") ? GatewayConfigurationLoader.policy(policySection) : nil
            if let other = people[user] {
                entry.fail("user", "\(user) is already \(other.name)'s: one platform user is one person")
                continue
            }
            people[user] = GatewayConfiguration.ChatPerson(name: name, policy: policy)
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
    var scheme: SignatureScheme {
        switch self {
        case .slack: .slackV0
        case .teams: .teamsHMAC
        case .mattermost: .staticToken
        }
    }

    /// The form field that also carries the static token (Mattermost sends it in `Authorization` and as `token`).
    var tokenFormField: String? {
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
