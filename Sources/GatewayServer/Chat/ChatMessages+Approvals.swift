import Foundation
import GatewayStore
import GatewayVocabulary

extension ChatMessages {
    /// An approval request, to its approvers in the approval channel: who asks for what, on which ticket, how
    /// long, and until when it can be decided.
    static func approvalRequested(_ approval: ApprovalRequest, approvers: [String]) -> ChatMessage {
        var message = ChatMessage(
            tone: .information,
            headline: "\(approval.requestedBy) asks to \(approval.action.rawValue) \(approval.targetKind.rawValue) \(approval.targetID)",
            facts: Self.approvalFacts(approval),
            isPublic: true
        )
        if let reason = approval.reason { message.detail = Self.defanged(reason) }
        let needed = approval.requiredApprovals == 1 ? "one approval" : "\(approval.requiredApprovals) approvals"
        let who = approvers.isEmpty ? "an approving caller" : approvers.joined(separator: ", ")
        message.facts.append(.init(label: "Needs", value: .text("\(needed) from \(who)")))
        message.facts.append(.init(label: "Decide by", value: .time(approval.expiresAt)))
        return message
    }

    /// Where a request stands after a decision: to the requester, and to the approvers in place of the buttons.
    static func approvalDecided(_ approval: ApprovalRequest) -> ChatMessage {
        let by = approval.decidedBy ?? "nobody"
        let (tone, headline): (ChatMessage.Tone, String) =
            switch approval.state {
            case .pending:
                (.information, "Approved by \(approval.votes.map(\.approver).joined(separator: ", ")); needs \(approval.requiredApprovals - approval.votes.count) more")
            case .approved: (.working, "Approved by \(by); running it now")
            case .executed: (.success, "Approved by \(by)")
            case .denied: (.failure, "Denied by \(by)")
            case .expired: (.warning, "Expired without enough approvals")
            }
        var message = ChatMessage(tone: tone, headline: headline, facts: Self.approvalFacts(approval), isPublic: true)
        if let decidedAt = approval.decidedAt { message.facts.append(.init(label: "Decided", value: .time(decidedAt))) }
        return message
    }

    /// A decision the gateway did not record, to the person who tried alone.
    static func approvalRefusal(_ refusal: ApprovalDesk.Refusal, approval: ApprovalRequest?) -> ChatMessage {
        var message = Self.refusal(code: refusal.code, message: refusal.message)
        if let approval { message.facts.insert(.init(label: "Approval", value: .code(approval.id)), at: 0) }
        return message
    }

    /// The facts every approval message shows.
    private static func approvalFacts(_ approval: ApprovalRequest) -> [ChatMessage.Fact] {
        var facts: [ChatMessage.Fact] = [
            .init(label: "Target", value: .text("\(approval.targetKind.rawValue) \(approval.targetID)")),
            .init(label: "Ticket", value: .code(approval.ticket)),
            .init(label: "Requested by", value: .text(approval.requestedBy)),
        ]
        if let duration = approval.duration { facts.append(.init(label: "For", value: .text(ISO8601Duration.format(duration)))) }
        facts.append(.init(label: "Approval", value: .code(approval.id)))
        return facts
    }
}
