import Foundation
import GatewayStore

/// A message to a person, independent of the platform; each ``ChatPlatform`` writes it in its own format.
///
/// Everything the gateway says in chat is built from these parts, so every platform shows the same facts, and
/// text that came from a person (an excerpt of a wrong word) is escaped by the renderer, never by the builder.
struct ChatMessage: Sendable, Hashable {
    /// How the message reads at a glance.
    enum Tone: Sendable, Hashable {
        case success
        case information
        case working
        case warning
        case failure

        /// The sign before the headline.
        var symbol: String {
            switch self {
            case .success: "✅"
            case .information: "ℹ️"
            case .working: "⏳"
            case .warning: "⚠️"
            case .failure: "❌"
            }
        }
    }

    /// One labelled value, such as "Ticket: CHG0012345".
    struct Fact: Sendable, Hashable {
        enum Value: Sendable, Hashable {
            /// Prose.
            case text(String)
            /// An identifier, shown in code style: a ticket, a grant id, a request id.
            case code(String)
            /// A time, shown in the reader's own time zone where the platform can.
            case time(Date)
        }

        var label: String
        var value: Value
    }

    var tone: Tone
    var headline: String
    var facts: [Fact] = []
    /// A paragraph under the facts: an error's explanation.
    var detail: String?
    /// Lines shown as a list, each a run of values: the commands of `help`, the grants of `grants`.
    var list: [[Fact.Value]] = []
    /// Shown to the whole channel (`in_channel`) rather than to the person alone, where the platform can tell
    /// them apart: results of changes are public, so the channel sees who changed what.
    var isPublic = false
    /// A grant the person may end from the message, offered as a button where the platform has them.
    var revocableGrant: String?
    /// Approve and Deny under an approval request, where the platform has buttons.
    var decisionButtons: DecisionButtons?

    /// Approve and Deny under an approval request, where the platform has buttons.
    struct DecisionButtons: Sendable, Hashable {
        var approvalID: String
        /// Mattermost only: where its server posts clicks, and each decision's context signed by the gateway.
        var signed: Signed?

        /// What a Mattermost button carries: its server sends the context back unsigned, so the gateway signs it
        /// (``ButtonContext``) and binds it to the channel and an expiry.
        struct Signed: Sendable, Hashable {
            var actionURL: String
            var channelID: String
            var expiresAt: Date
            var approveSignature: String
            var denySignature: String

            /// The signature of `verdict`'s button.
            func signature(for verdict: ApprovalVerdict) -> String {
                verdict == .approve ? self.approveSignature : self.denySignature
            }
        }
    }

    /// The message as plain text: the fallback of rich formats, and what tests read.
    var plainText: String {
        var lines = ["\(self.tone.symbol) \(self.headline)"]
        lines += self.facts.map { "\($0.label): \($0.value.plainText)" }
        if let detail = self.detail { lines.append(detail) }
        lines += self.list.map { "• " + $0.map(\.plainText).joined(separator: " ") }
        return lines.joined(separator: "\n")
    }
}

extension ChatMessage.Fact.Value {
    /// The value without formatting; times in UTC to the minute.
    var plainText: String {
        switch self {
        case .text(let text), .code(let text): text
        case .time(let date): ChatTime.utc(date)
        }
    }
}

/// Times as chat shows them when the platform cannot localize: `2026-12-06 14:30 UTC`.
enum ChatTime {
    static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day)) \(two(parts.hour)):\(two(parts.minute)) UTC"
    }
}
