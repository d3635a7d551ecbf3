import GatewaySecurity
import GatewayVocabulary

/// Reads an `approval` section, of a caller or of one of its chat people: which requests wait for a second person.
///
/// ```yaml
/// approval:
///   when: {actions: [enable], kinds: [credential], ids: {credential: ["40-49"]}, duration_over: PT1H}
///   approvers: [bob, carol]          # people of this chat caller
///   approver_callers: [servicenow]   # callers that may approve through POST /v1/approvals/{id}
///   required: 1                      # distinct approvals needed
///   expires_after: PT15M             # how long a request waits
/// ```
///
/// Every filter under `when` is optional; a rule without one covers every request. A person's `approval` replaces
/// the caller's for that person's requests.
enum ApprovalConfigurationLoader {
    /// The rule at `section`, or `nil` when `keys` (the section's keys in the file) is empty.
    static func rule(_ section: ConfigSection, keys: [String]) -> ApprovalRule? {
        guard !keys.isEmpty else { return nil }
        let when = section.section("when")
        var durationOver: Duration?
        if let text = when.string("duration_over") {
            durationOver = ISO8601Duration.parse(text)
            if durationOver == nil { when.fail("duration_over", "'\(text)' is not an ISO 8601 duration such as PT1H") }
        }
        var expiresAfter: Duration = .seconds(15 * 60)
        if let text = section.string("expires_after") {
            guard let parsed = ISO8601Duration.parse(text) else {
                section.fail("expires_after", "'\(text)' is not an ISO 8601 duration such as PT15M")
                return nil
            }
            expiresAfter = parsed
        }
        let ids = GatewayConfigurationLoader.ids(when.section("ids"))
        do throws(PolicyConfigurationError) {
            return try ApprovalRule(
                actions: GatewayConfigurationLoader.optionalEnumList(when, "actions", of: TargetAction.self),
                kinds: GatewayConfigurationLoader.optionalEnumList(when, "kinds", of: TargetKind.self),
                ids: ids.isEmpty ? nil : ids,
                durationOver: durationOver,
                approvers: Set(section.stringArray("approvers") ?? []),
                approverCallers: Set(section.stringArray("approver_callers") ?? []),
                requiredApprovals: section.int("required", default: 1, range: 1...10),
                expiresAfter: expiresAfter
            )
        } catch {
            section.fail("approvers", error.message)
            return nil
        }
    }

    /// What a rule is checked against: the configuration around it.
    struct Context {
        /// The chat people of the rule's caller.
        var people: Set<String>
        var apiCallers: Set<String>
        var chatCallers: Set<String>
        /// The rule's own caller.
        var owner: String
        /// The rule's caller's platform, for a chat caller.
        var platform: ChatPlatformKind?
    }

    /// The longest a request may wait on a platform whose replies go to a `response_url`: Slack and Mattermost
    /// accept posts on one for 30 minutes, and the requester must still hear the decision and the result.
    static let longestWaitWithResponseURL: Duration = .seconds(25 * 60)

    /// Checks that a rule names only people and callers that can approve: an approver who is nobody would make
    /// requests wait for ever, and a misspelt name is the likeliest way to get there. An approving caller must be
    /// an API caller other than the rule's own: the sender of a request cannot approve it, and a chat caller's
    /// people approve through their own caller's buttons and commands.
    static func check(_ rule: ApprovalRule, in section: ConfigSection, _ context: Context) {
        for approver in rule.approvers.sorted() where !context.people.contains(approver) {
            section.fail("approvers", "'\(approver)' is not one of this caller's chat people")
        }
        for caller in rule.approverCallers.sorted() {
            if caller == context.owner {
                section.fail("approver_callers", "'\(caller)' is this rule's own caller: the sender of a request cannot approve it")
            } else if context.chatCallers.contains(caller) {
                section.fail("approver_callers", "'\(caller)' is a chat caller: chat people approve through their own caller's buttons and commands")
            } else if !context.apiCallers.contains(caller) {
                section.fail("approver_callers", "'\(caller)' is not a configured caller")
            }
        }
        if let platform = context.platform, platform != .teams, rule.expiresAfter > Self.longestWaitWithResponseURL {
            section.fail(
                "expires_after",
                "\(platform.rawValue) accepts replies on a response_url for 30 minutes, so a request may wait at most PT25M for the requester to hear how it ended"
            )
        }
    }
}
