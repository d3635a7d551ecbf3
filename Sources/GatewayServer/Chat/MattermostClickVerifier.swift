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

    /// How old a click's `trigger_id` may be: Mattermost posts a click as it happens.
    static let clickTolerance: Duration = .seconds(30)

    /// Whether any caller has buttons; without one, the route has nothing to verify and answers 404.
    var isEmpty: Bool { self.callers.isEmpty }

    /// The caller and chat settings `click` is proven for, at `now`: the caller whose button key signed its context
    /// as it is. The store is not read before this holds, so an unsigned click costs no database work.
    ///
    /// - Throws: ``SignatureError/signatureMismatch`` for a context no caller's key signed as it is (another
    ///   approval, the other decision, another channel) or a `trigger_id` not issued for the click's user,
    ///   ``SignatureError/staleTimestamp`` for an expired button or a trigger older than ``clickTolerance``, and the
    ///   malformed errors.
    func verify(_ click: MattermostActions.Click, now: Date) throws(SignatureError) -> (GatewayConfiguration.Caller, GatewayConfiguration.Chat) {
        var failure = SignatureError.signatureMismatch
        for caller in self.callers.values.sorted(by: { $0.name < $1.name }) {
            guard let chat = caller.chat, let channel = chat.approvalChannel, let buttons = channel.buttons, let triggerIDs = chat.triggerIDs else { continue }
            do {
                try buttons.verify(click.fields, signature: click.context.signature, now: now)
            } catch .signatureMismatch {
                continue
            } catch {
                failure = error
                continue
            }
            // The signed channel must be where the button was clicked, and where the caller's approvers are.
            guard click.context.channelId == click.channelID, click.channelID == channel.channelID else { throw .signatureMismatch }
            try triggerIDs.narrowed(to: Self.clickTolerance).verify(click.triggerID, userID: click.userID, now: now)
            return (caller, chat)
        }
        throw failure
    }
}
