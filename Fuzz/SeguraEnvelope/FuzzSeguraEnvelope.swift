import CurlHTTPClient
import Foundation
import FuzzSupport
import GatewayVocabulary
@testable import SeguraClient

/// Fuzzes `UpstreamReply(response:)`, the tolerant parser of Segura's envelopes and Kong's error bodies, and
/// `NormalizationTable`, which classifies every reply for the token call and each of the eight operations.
///
/// Input: a `FuzzMessage` whose first line is the HTTP status (three digits; 200 when it is not a number),
/// then the response's header lines, an empty line and the body.
///
/// Invariants beyond not crashing: a reply keeps its status, an envelope comes from Segura, the message is
/// trimmed and at most 300 characters (plus an ellipsis), `Retry-After` is never negative; every call finds a
/// rule covering the status, whose outcome is a success exactly when it has no error code, and a success only
/// for a 2xx (already-in-state also for PAM's 400s); and the facts kept for the audit trail survive a JSON
/// round trip.
@main enum FuzzSeguraEnvelope {
    /// The token call and every operation: what the table is keyed on.
    static let calls: [UpstreamCall] = [.token] + TargetAction.allCases.flatMap { action in
        TargetKind.allCases.map { kind in .operation(SeguraOperation(action, kind, id: 42)) }
    }

    static func main() {
        FuzzMain.run { data, size in
            let message = FuzzMessage(FuzzInput.bytes(data, size))
            var lines = message.lines
            var status = 200
            if let first = lines.first, (1...3).contains(first.count), let number = Int(String(decoding: first, as: UTF8.self)) {
                status = number
                lines.removeFirst()
            }
            let headers = FuzzMessage(Array(lines.joined(separator: [UInt8(ascii: "\n")]))).fields.map { field in
                HTTPHeaderField(field.name, String(decoding: field.value, as: UTF8.self))
            }
            Self.check(OutboundResponse(status: status, headers: headers, body: message.body))
            return 0
        }
    }

    private static func check(_ response: OutboundResponse) {
        let reply = UpstreamReply(response: response)
        precondition(reply.status == response.status, "status changed")
        precondition(!reply.isEnvelope || reply.source == .segura, "an envelope attributed to \(reply.source)")
        if let message = reply.message {
            precondition(message.count <= UpstreamReply.maxMessageLength + 1, "message of \(message.count) characters")
            precondition(message == message.trimmingCharacters(in: .whitespacesAndNewlines) || message.hasSuffix("…"), "untrimmed message")
        }
        if let retryAfter = reply.retryAfter { precondition(retryAfter >= .zero, "negative Retry-After") }

        for call in Self.calls {
            let rule = NormalizationTable.rule(for: call, reply: reply)
            let normalization = rule.normalization
            precondition(
                rule.statuses.contains(reply.status) || rule.id == NormalizationTable.rules.last?.id,
                "rule \(rule.id) does not cover status \(reply.status)"
            )
            precondition(normalization.outcome.isSuccess == (normalization.code == nil), "rule \(rule.id): outcome and code disagree")
            // PAM answers 400 with a numbered code when the target is already in state (segura-api.md §0.2, §5).
            let successStatuses = normalization.outcome == .alreadyInState ? 200...400 : 200...299
            precondition(!normalization.outcome.isSuccess || successStatuses.contains(reply.status), "rule \(rule.id): \(normalization.outcome) for \(reply.status)")
            if case .operation = call, (200...299).contains(reply.status), reply.isEnvelope, reply.envelopeSaysError != true {
                precondition(normalization.outcome.isSuccess, "rule \(rule.id): a 2xx success envelope not treated as success")
            }
        }

        let facts = reply.facts
        let encoded = try! JSONEncoder().encode(facts)
        precondition((try? JSONDecoder().decode(UpstreamFacts.self, from: encoded)) == facts, "facts do not survive JSON: \(facts)")
    }
}
