import GatewayStore
import GatewayVocabulary

/// What a chat platform sent, read from its verified body: who typed what, and where the answer may follow.
struct ChatInbound: Sendable {
    /// What the person did.
    enum Gesture: Sendable, Hashable {
        /// Typed a command, such as `enable credential 42 for ticket CHG0012345 for 2h`.
        case command(String)
        /// Clicked the Revoke button of a grant the gateway offered.
        case revokeButton(grantID: String)
        /// Clicked Approve or Deny under an approval request in the approval channel.
        case decision(approvalID: String, verdict: ApprovalVerdict)
    }

    /// The person's platform user id, written as the configuration maps it (``ChatPlatformKind/userIDFormat``).
    var userID: String
    var gesture: Gesture
    /// The platform's id of this interaction (Slack and Mattermost `trigger_id`, the Teams Activity `id`): the
    /// delivery id, so a repeat of it replays its answer instead of acting again.
    var deliveryID: String?
    /// Where follow-ups go (`response_url`); `nil` for Teams, whose follow-ups go to the caller's incoming webhook.
    var replyURL: String?
    /// Whether the platform shows a message sent as the HTTP answer. Slack ignores the body of its answer to a
    /// button click, so the result of one always follows on `response_url`.
    var answersInline: Bool = true
}

/// Why a verified chat body could not be read: the platform sent something its own documentation does not
/// describe. Answered in the problem schema, 415 for the wrong media type and 422 otherwise (no person is to
/// blame, so there is no chat message).
struct ChatInputError: Error, Hashable, CustomStringConvertible {
    /// `unsupported_media_type` or `invalid_request`.
    let code: ErrorCode
    let message: String

    init(_ message: String, code: ErrorCode = .invalidRequest) {
        self.code = code
        self.message = message
    }

    var description: String { "invalid chat body: \(self.message)" }
}
