import Foundation
import CurlHTTPClient
import GatewayVocabulary

/// What a normalization rule decides.
public struct Normalization: Sendable, Hashable {
    /// `nil` for success outcomes.
    public var code: ErrorCode?
    /// What happened to the target.
    public var outcome: Outcome
    /// Whether the client retries it.
    public var retryable: Bool

    static let applied = Self(code: nil, outcome: .applied, retryable: false)
    static let alreadyInState = Self(code: nil, outcome: .alreadyInState, retryable: false)

    static func notApplied(_ code: ErrorCode, retryable: Bool = false) -> Self {
        Self(code: code, outcome: .notApplied, retryable: retryable)
    }

    static func unknown(_ code: ErrorCode, retryable: Bool = false) -> Self {
        Self(code: code, outcome: .unknown, retryable: retryable)
    }
}

/// One row of the table: a pattern over (operation, HTTP status, Segura code or message) and its meaning.
public struct NormalizationRule: Sendable {
    /// Which upstream call the row applies to.
    public enum Scope: Sendable, Hashable {
        /// Any call, token requests included.
        case any
        /// The token endpoint.
        case token
        /// Operations, optionally only one kind and one action.
        case operation(TargetKind?, TargetAction?)
    }

    /// What the answer must contain.
    public enum Condition: Sendable, Hashable {
        /// Anything.
        case any
        /// A Segura envelope whose error flag is not set.
        case successEnvelope
        /// No Segura envelope.
        case notEnvelope
        /// This numbered Segura code (from `exception.code` or the `NNNN:` message prefix).
        case seguraCode(Int)
        /// A message equal to this text, ignoring case, surrounding spaces and a final full stop.
        case message(String)
        /// A message starting with this text, ignoring case.
        case messagePrefix(String)
    }

    /// A stable name for the row, used in tests and in the table of docs/architecture.md.
    public let id: String
    /// Which calls the row applies to.
    public let scope: Scope
    /// Which HTTP statuses it applies to.
    public let statuses: ClosedRange<Int>
    /// What else must hold.
    public let condition: Condition
    /// The meaning.
    public let normalization: Normalization
    /// The condition's text made canonical once, for ``Condition/message(_:)`` and ``Condition/messagePrefix(_:)``.
    private let canonicalText: String

    init(id: String, scope: Scope, statuses: ClosedRange<Int>, condition: Condition, normalization: Normalization) {
        self.id = id
        self.scope = scope
        self.statuses = statuses
        self.condition = condition
        self.normalization = normalization
        switch condition {
        case .message(let text), .messagePrefix(let text): self.canonicalText = Self.canonical(text)
        default: self.canonicalText = ""
        }
    }

    func matches(_ call: UpstreamCall, _ reply: UpstreamReply) -> Bool {
        guard self.statuses.contains(reply.status), self.scope.covers(call) else { return false }
        switch self.condition {
        case .any: return true
        case .successEnvelope: return reply.isEnvelope && reply.envelopeSaysError != true
        case .notEnvelope: return !reply.isEnvelope
        case .seguraCode(let code): return reply.seguraCode == code
        case .message: return reply.canonicalMessage == self.canonicalText
        case .messagePrefix: return reply.canonicalMessage?.hasPrefix(self.canonicalText) ?? false
        }
    }

    /// `text` without surrounding spaces and a final full stop, lowercased: what message conditions compare.
    static func canonical(_ text: String) -> String {
        var text = text.trimmingWhitespace().lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// The upstream call a reply answers.
enum UpstreamCall: Sendable, Hashable {
    case token
    case operation(SeguraOperation)
}

extension NormalizationRule.Scope {
    func covers(_ call: UpstreamCall) -> Bool {
        switch (self, call) {
        case (.any, _), (.token, .token): return true
        case (.operation(let kind, let action), .operation(let operation)):
            return (kind == nil || kind == operation.kind) && (action == nil || action == operation.action)
        default: return false
        }
    }
}

/// The one table that turns every documented Segura and Kong answer into a stable code, an outcome
/// and a retry decision (segura-api.md §2, §4 and §5; webhook-signatures.md §4).
///
/// Rows are tried in order and the first match wins, so specific rows come before general ones.
/// Numbered codes are keyed on the operation, because Segura numbers errors per module.
public enum NormalizationTable {
    private typealias Rule = NormalizationRule

    private static func row(
        _ id: String,
        _ scope: Rule.Scope,
        _ statuses: ClosedRange<Int>,
        _ condition: Rule.Condition,
        _ normalization: Normalization
    ) -> Rule {
        Rule(id: id, scope: scope, statuses: statuses, condition: condition, normalization: normalization)
    }

    /// Every row, in evaluation order.
    public static let rules: [NormalizationRule] = [
        // Success. MySafe answers 200 "has already been activated/deactivated" for a no-op (§2.2).
        row("password.already", .operation(.password, nil), 200...299, .messagePrefix("Password has already been"), .alreadyInState),
        row("success", .any, 200...299, .successEnvelope, .applied),
        row("success.not_envelope", .operation(nil, nil), 200...299, .notEnvelope, .unknown(.upstreamInvalidResponse)),
        row("success.envelope_error", .operation(nil, nil), 200...299, .any, .notApplied(.upstreamRejected)),

        // PAM's non-idempotent answers mean the target is already in the desired state (§0.2, §5).
        row("credential.enable.1043", .operation(.credential, .enable), 400...400, .seguraCode(1043), .alreadyInState),
        row("credential.disable.1008", .operation(.credential, .disable), 400...400, .seguraCode(1008), .alreadyInState),
        row("device.enable.1044", .operation(.device, .enable), 400...400, .seguraCode(1044), .alreadyInState),
        row("ssh_key.enable.1045", .operation(.sshKey, .enable), 400...400, .seguraCode(1045), .alreadyInState),
        row("ssh_key.disable.1017", .operation(.sshKey, .disable), 400...400, .seguraCode(1017), .alreadyInState),

        // Per-module business errors (§2, §4.5).
        row("credential.1007", .operation(.credential, nil), 400...400, .seguraCode(1007), .notApplied(.targetNotFound)),
        row("credential.1009", .operation(.credential, nil), 400...400, .seguraCode(1009), .notApplied(.targetAccessDenied)),
        row("credential.1010", .operation(.credential, nil), 400...400, .seguraCode(1010), .notApplied(.targetWrongKind)),
        row("password.1005", .operation(.password, nil), 400...400, .seguraCode(1005), .notApplied(.targetNotFound)),
        row("password.1006", .operation(.password, nil), 400...400, .seguraCode(1006), .notApplied(.targetAccessDenied)),
        row("device.1011", .operation(.device, nil), 400...400, .seguraCode(1011), .notApplied(.targetNotFound)),
        row("ssh_key.1015", .operation(.sshKey, nil), 400...400, .seguraCode(1015), .notApplied(.targetNotFound)),
        row("ssh_key.1009", .operation(.sshKey, nil), 400...400, .seguraCode(1009), .notApplied(.targetAccessDenied)),
        row("ssh_key.1016", .operation(.sshKey, nil), 400...400, .seguraCode(1016), .notApplied(.targetWrongKind)),
        row("pam.1039", .operation(nil, nil), 400...400, .seguraCode(1039), .notApplied(.upstreamWritePermissionMissing)),

        // Messages documented on every page (§4.3), whatever status they come with.
        row("not_authorized", .any, 400...599, .message("You are not authorized to access this resource."), .notApplied(.upstreamResourceNotAuthorized)),
        row("client_authentication_failed", .any, 400...599, .message("Client authentication failed"), .notApplied(.upstreamAuthenticationFailed)),
        row("invalid_signature", .any, 400...599, .message("Invalid signature"), .notApplied(.upstreamAuthenticationFailed)),
        row("request_timed_out", .any, 400...599, .message("Request timed out"), .unknown(.upstreamTimeout, retryable: true)),
        row("resource_sub_not_found", .any, 404...404, .message("Resource sub not found"), .notApplied(.upstreamResourceSubNotFound)),
        row("unexpected_error", .any, 500...500, .message("Unexpected error."), .unknown(.upstreamInternalError)),

        // Kong (§4.4). A Kong 404 reaches this table only after one token refresh and retry.
        row("kong.404", .any, 404...404, .message(UpstreamReply.KongText.noRoute.rawValue), .notApplied(.upstreamRouteNotMatched)),
        row("kong.502", .any, 502...502, .any, .unknown(.upstreamBadGateway, retryable: true)),
        row("kong.503", .any, 503...503, .any, .notApplied(.upstreamUnavailable, retryable: true)),
        row("kong.504", .any, 504...504, .any, .unknown(.upstreamTimeout, retryable: true)),
        row("rate_limited", .any, 429...429, .any, .notApplied(.upstreamRateLimited, retryable: true)),

        // Whatever is left.
        row("unauthorized", .any, 401...401, .any, .notApplied(.upstreamAuthenticationFailed)),
        row("rejected", .operation(nil, nil), 400...400, .any, .notApplied(.upstreamRejected)),
        row("unrecognized", .any, 100...599, .any, .unknown(.upstreamUnrecognizedResponse)),
    ]

    /// The first row matching `reply` to `call`. The last row matches every status, so there is always one.
    static func rule(for call: UpstreamCall, reply: UpstreamReply) -> NormalizationRule {
        self.rules.first { $0.matches(call, reply) } ?? self.rules[self.rules.count - 1]
    }

    /// How a transport failure (no HTTP answer) is classified.
    static func normalization(for error: OutboundClientError) -> Normalization {
        switch error {
        case .dnsFailure, .connectFailure, .connectTimeout, .proxyFailure:
            return .notApplied(.upstreamUnreachable, retryable: true)
        case .tlsFailure:
            return .notApplied(.upstreamTLSFailed)
        case .timeout:
            return .unknown(.upstreamTimeout, retryable: true)
        case .connectionReset:
            return .unknown(.upstreamConnectionReset, retryable: true)
        case .shutdown:
            return Normalization(code: .gatewayShuttingDown, outcome: error.requestWasSent ? .unknown : .notApplied, retryable: false)
        case .responseTooLarge, .invalidResponse:
            return .unknown(.upstreamInvalidResponse)
        default:
            return Normalization(code: .upstreamUnreachable, outcome: error.requestWasSent ? .unknown : .notApplied, retryable: false)
        }
    }
}
