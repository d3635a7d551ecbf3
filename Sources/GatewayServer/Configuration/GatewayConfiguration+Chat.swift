import GatewaySecurity

extension GatewayConfiguration {
    /// A caller that is a chat platform: people type commands, the platform signs and sends them to the platform's
    /// route (`POST /v1/chat/<platform>`), and the gateway answers in the platform's message format.
    ///
    /// The caller's ``Caller/policy`` is the ceiling: a person's own policy can only narrow it. Only the people
    /// listed may act; who asked is read from the platform's signed user id through this list, never from what
    /// the person typed.
    public struct Chat: Sendable {
        /// The platform, which decides the route, how bodies are read and how answers are written.
        public var platform: ChatPlatformKind
        /// The people allowed to use the caller, by their platform user id (``ChatPlatformKind/userIDFormat``).
        public var people: [String: ChatPerson]
        /// The share of the platform's deadline (``ChatPlatformKind/deadline``) the gateway waits for an action
        /// before answering "working on it" and posting the result afterwards. Default 0.6: 1.8 s of Slack's 3 s,
        /// which leaves the rest for the answer's own write and the network.
        public var answerWithin: Double = 0.6
        /// The prefixes a `response_url` must start with, or the gateway will not post to it (Slack, Mattermost):
        /// a follow-up goes only to the platform itself. Slack's default is `https://hooks.slack.com/`; for
        /// Mattermost it is the server's own `…/hooks/commands/` URL, which must be configured.
        public var replyURLPrefixes: [String]
        /// Microsoft Teams: the incoming webhook results are posted to when they take longer than the answer
        /// allows. Holds a secret (the URL authorizes the post), so it is never logged.
        public var incomingWebhook: SecretURL?
        /// Mattermost: the server's signing key, to check that each command's `trigger_id` was issued by the server
        /// for the `user_id` it names. Without it, the command's static token alone vouches for the user id.
        public var triggerIDs: MattermostTriggerID?
        /// Where the caller's approvers see the requests that wait for them, and decide them; `nil` when none is
        /// configured (approvers then decide with `approve` and `deny`, or through the API).
        public var approvalChannel: ApprovalChannel?

        /// Creates the chat settings of a caller.
        public init(platform: ChatPlatformKind, people: [String: ChatPerson], replyURLPrefixes: [String]? = nil, incomingWebhook: SecretURL? = nil) {
            self.platform = platform
            self.people = people
            self.replyURLPrefixes = replyURLPrefixes ?? platform.defaultReplyURLPrefixes
            self.incomingWebhook = incomingWebhook
        }

        /// The person configured under `name`, whose requests are recorded with that name.
        func person(named name: String) -> ChatPerson? {
            self.people.values.first { $0.name == name }
        }

        /// How long the gateway waits for an action before answering "working on it".
        public var inlineWait: Duration { self.platform.deadline * self.answerWithin }

        /// Whether `url` is one the gateway may post a follow-up to: under one of ``replyURLPrefixes``, and with
        /// nothing that could lead elsewhere once resolved. A prefix is compared as text, so a path with dot
        /// segments (`…/hooks/commands/../../api`, which libcurl resolves), escaped dots or slashes, back slashes,
        /// white space or controls is refused whatever its start.
        func allowsReply(to url: String) -> Bool {
            let lowercased = url.lowercased()
            let escapesPrefix = url.contains("/./") || url.contains("/../") || url.hasSuffix("/.") || url.hasSuffix("/..")
                || lowercased.contains("%2e") || lowercased.contains("%2f") || lowercased.contains("%5c") || url.contains("\\")
            guard !escapesPrefix, url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return false }
            return self.replyURLPrefixes.contains { url.hasPrefix($0) }
        }
    }

    /// The channel a chat caller's approval requests are posted to, through an incoming webhook of the platform.
    ///
    /// Slack signs the clicks on its buttons like any other of its requests. Mattermost sends them unsigned to
    /// ``actionURL``, so each button carries a context the gateway signed (``buttons``) and bound to ``channelID``;
    /// Teams' Workflows cards offer no buttons the gateway could receive, so approvers type their decision.
    public struct ApprovalChannel: Sendable {
        /// The channel's incoming webhook (a Slack or Mattermost incoming webhook, a Teams Workflows webhook). Holds
        /// a secret: the URL authorizes the post.
        public var webhook: SecretURL
        /// Mattermost: the channel the webhook posts to, which a click must come from.
        public var channelID: String?
        /// Mattermost: `POST /v1/chat/mattermost/actions` as the Mattermost server reaches the gateway.
        public var actionURL: String?
        /// Mattermost: the key that signs each button's context.
        public var buttons: ButtonContext?

        /// Creates the channel; see each property.
        public init(webhook: SecretURL, channelID: String? = nil, actionURL: String? = nil, buttons: ButtonContext? = nil) {
            self.webhook = webhook
            self.channelID = channelID
            self.actionURL = actionURL
            self.buttons = buttons
        }
    }

    /// One person a chat caller acts for.
    public struct ChatPerson: Sendable {
        /// The name recorded as `requested_by` in answers, grants and the audit trail.
        public var name: String
        /// What this person may ask for, within the caller's policy; `nil` leaves them the caller's.
        public var policy: CallerPolicy?
        /// Which of this person's requests wait for approval, in place of the caller's rule; `nil` keeps the caller's.
        public var approval: ApprovalRule?

        /// Creates a person.
        public init(name: String, policy: CallerPolicy? = nil, approval: ApprovalRule? = nil) {
            self.name = name
            self.policy = policy
            self.approval = approval
        }
    }

    /// A URL that authorizes whoever holds it (a Teams incoming webhook): printed and logged as `<redacted>`.
    public struct SecretURL: Sendable, CustomStringConvertible, CustomReflectable {
        /// The URL itself, for the one place that posts to it.
        let value: String

        /// Wraps a URL.
        public init(_ value: String) {
            self.value = value
        }

        public var description: String { "<redacted>" }
        public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
    }
}

/// The chat platforms that can call the gateway directly.
public enum ChatPlatformKind: String, Sendable, CaseIterable, Codable {
    case slack
    case teams
    case mattermost

    /// How long the platform waits for an answer before it shows the person an error: 3 s for Slack's slash
    /// commands and interactivity and for Mattermost's slash commands, about 5 s for a Teams outgoing webhook.
    public var deadline: Duration {
        switch self {
        case .slack, .mattermost: .seconds(3)
        case .teams: .seconds(5)
        }
    }

    /// The route the platform is configured to call.
    public var path: String { "/v1/chat/\(self.rawValue)" }

    /// How a person's platform user id is written in the configuration: Slack `T0001/U0001` (team id, then user
    /// id: user ids are unique only within a workspace), Teams the Azure AD object id, Mattermost the user id.
    public var userIDFormat: String {
        switch self {
        case .slack: "<team_id>/<user_id>, such as T0001/U2147483697"
        case .teams: "the user's Azure AD object id (aadObjectId)"
        case .mattermost: "the user id (26 characters)"
        }
    }

    /// Where the platform's follow-up URLs point by default; Mattermost has no default.
    var defaultReplyURLPrefixes: [String] {
        switch self {
        case .slack: ["https://hooks.slack.com/"]
        case .teams, .mattermost: []
        }
    }

    /// The platform whose route `path` is, if any.
    static func routed(at path: String) -> Self? {
        Self.allCases.first { $0.path == path }
    }
}
