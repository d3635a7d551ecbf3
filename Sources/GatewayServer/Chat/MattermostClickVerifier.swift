import Foundation
import GatewaySecurity

/// Proves a Mattermost button click, which no caller secret signs, with the keys of the caller whose approval
/// channel carried the button: its context was signed by the gateway, for the channel the click came from, and
/// has not expired; and its `trigger_id` was signed by the Mattermost server for the user the click names.
struct MattermostClickVerifier: Sendable {
    /// The Mattermost callers with an approval channel, by name.
    private let callers: [String: GatewayConfiguration.Caller]

    init(callers: [GatewayConfiguration.Caller]) {
        let clickable = callers.filter { $0.chat?.platform == .mattermost && $0.chat?.approvalChannel?.buttons != nil }
        self.callers = Dictionary(clickable.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The caller and chat settings `click` is proven for, at `now`.
    ///
    /// - Parameter caller: the caller of the approval the context names; `nil` when there is no such approval,
    ///   whose button the gateway therefore never signed.
    /// - Throws: ``SignatureError/signatureMismatch`` for a context the caller's key did not sign as it is (another
    ///   approval, the other decision, another channel) or a `trigger_id` not issued for the click's user,
    ///   ``SignatureError/staleTimestamp`` for an expired button or trigger, and the malformed errors.
    func verify(_ click: MattermostActions.Click, caller name: String?, now: Date) throws(SignatureError) -> (GatewayConfiguration.Caller, GatewayConfiguration.Chat) {
        guard let name, let caller = self.callers[name], let chat = caller.chat, let channel = chat.approvalChannel, let buttons = channel.buttons,
            let triggerIDs = chat.triggerIDs
        else { throw .signatureMismatch }
        try buttons.verify(click.fields, signature: click.context.signature, now: now)
        // The signed channel must be where the button was clicked, and where the caller's approvers are.
        guard click.context.channelId == click.channelID, click.channelID == channel.channelID else { throw .signatureMismatch }
        try triggerIDs.verify(click.triggerID, userID: click.userID, now: now)
        return (caller, chat)
    }
}
