import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary

/// The outbox events that tell people about an approval request, rendered once so every retry sends the same
/// bytes: the approvers when it is made, the requester when it is decided, and both when the approved action ran.
///
/// Chat callers hear in their platform's format (the approvers in the caller's `approval_channel`, the requester
/// where they asked); API callers get a signed `ApprovalEvent` on their callback.
struct ApprovalNotices: Sendable {
    let chats: [String: GatewayConfiguration.Chat]
    let callbacks: Set<String>

    init(callers: [GatewayConfiguration.Caller]) {
        self.chats = Dictionary(callers.compactMap { caller in caller.chat.map { (caller.name, $0) } }, uniquingKeysWith: { first, _ in first })
        self.callbacks = Set(callers.filter { $0.callback != nil }.map(\.name))
    }

    /// To the approvers of a new request: its caller's approval channel, with decision buttons where the platform
    /// has them, and `approval.requested` to each approving caller with a callback.
    func requested(_ approval: ApprovalRequest, rule: ApprovalRule) -> [CallbackEvent] {
        var events: [CallbackEvent] = []
        if let chat = self.chats[approval.caller], chat.approvalChannel != nil {
            var message = ChatMessages.approvalRequested(approval, approvers: rule.approvers.sorted())
            message.decisionButtons = ChatMessages.decisionButtons(for: approval, channel: chat.approvalChannel, platform: chat.platform)
            events.append(self.chatEvent(message, caller: approval.caller, destination: .approvalChannel, chat: chat))
        }
        for caller in rule.approverCallers.sorted() where self.callbacks.contains(caller) {
            events.append(Self.callbackEvent("approval.requested", approval: approval, result: nil, to: caller))
        }
        return events
    }

    /// To the requester, once a decision moved the request out of pending: approved (and about to run), denied or
    /// expired. A vote that leaves it pending tells nobody.
    func decided(_ approval: ApprovalRequest) -> [CallbackEvent] {
        guard approval.state != .pending, let reply = approval.reply else { return [] }
        if reply == .callback {
            guard self.callbacks.contains(approval.caller) else { return [] }
            return [Self.callbackEvent("approval.\(approval.state.rawValue)", approval: approval, result: nil, to: approval.caller)]
        }
        guard let chat = self.chats[approval.caller] else { return [] }
        return [self.chatEvent(ChatMessages.approvalDecided(approval), caller: approval.caller, destination: reply, chat: chat)]
    }

    /// To the requester, with the approved action's answer `json`: written with the outcome itself.
    func executed(_ approval: ApprovalRequest, answer json: [UInt8]) -> CallbackEvent? {
        guard let reply = approval.reply else { return nil }
        if reply == .callback {
            guard self.callbacks.contains(approval.caller) else { return nil }
            return Self.callbackEvent("approval.executed", approval: approval, result: json, to: approval.caller)
        }
        return self.chats[approval.caller].map { self.chatEvent(ChatMessages.result(json), caller: approval.caller, destination: reply, chat: $0) }
    }

    /// To the approvers, with the approved action's answer: the message whose button decided it is replaced, or,
    /// when it was decided by command, the result is posted in the approval channel.
    func executedForApprovers(_ approval: ApprovalRequest, answer json: [UInt8]) -> CallbackEvent? {
        guard let chat = self.chats[approval.caller] else { return nil }
        var message = ChatMessages.result(json)
        message.headline = "\(ChatMessages.approvalDecided(approval).headline). \(message.headline)"
        message.isPublic = true
        // The grant is the requester's to end early; the approvers' channel shows the result only.
        message.revocableGrant = nil
        if let decisionReply = approval.decisionReply {
            let body = ChatPlatforms.platform(chat.platform).update(message)
            return CallbackEvent(id: TimeOrderedID.make(prefix: "msg_"), caller: approval.caller, body: Data(body), destination: decisionReply)
        }
        guard chat.approvalChannel != nil else { return nil }
        return self.chatEvent(message, caller: approval.caller, destination: .approvalChannel, chat: chat)
    }

    private func chatEvent(_ message: ChatMessage, caller: String, destination: CallbackEvent.Destination, chat: GatewayConfiguration.Chat) -> CallbackEvent {
        let body = ChatPlatforms.platform(chat.platform).followUp(message)
        return CallbackEvent(id: TimeOrderedID.make(prefix: "msg_"), caller: caller, body: Data(body), destination: destination)
    }

    /// An `ApprovalEvent` for `caller`'s signed callback.
    private static func callbackEvent(_ type: String, approval: ApprovalRequest, result: [UInt8]?, to caller: String) -> CallbackEvent {
        let now = Date()
        let body = JSONWriter.object { json in
            json.object("approval") { $0.approval(approval) }
            if let result { json.raw("result", json: result) }
            json.field("timestamp", AuditTimestamp.string(from: now))
            json.field("type", type)
        }
        return CallbackEvent(id: TimeOrderedID.make(prefix: "msg_", now: now), caller: caller, body: Data(body))
    }
}
