import Foundation
import GatewaySecurity
import GatewayVocabulary

/// Whose rules an action request is checked against before anything is claimed or acted on.
enum RequestAuthority: Sendable {
    /// The caller's policy: the API callers, whose requests a ticketing system approved before sending.
    case caller
    /// The caller's policy, then the person's own: a chat caller's person can only ever be narrower.
    case person(GatewayConfiguration.ChatPerson)
    /// A person ending a grant they opened themselves through this caller (`revoke` from chat). Ending one's
    /// own access early only reduces access, so the policy's `disable` rule does not apply, as the grant's own
    /// caller may revoke it through `DELETE /v1/grants/{grant_id}`.
    case grantHolder

    /// The longest a grant this request opens or extends may run from its start: the caller's maximum, or the
    /// person's where it is shorter, so a person cannot keep extending a grant past their own maximum.
    func maximumDuration(caller policy: CallerPolicy) -> Duration? {
        guard case .person(let person) = self, let own = person.policy?.maxDuration else { return policy.maxDuration }
        return policy.maxDuration.map { min($0, own) } ?? own
    }

    /// The rule `request` breaks, or `nil` when it may go ahead.
    func violation(of request: ActionRequest, caller policy: CallerPolicy) -> (code: ErrorCode, message: String)? {
        switch self {
        case .grantHolder:
            return nil
        case .caller:
            return Self.check(request, against: policy).map { ($0.code, $0.message) }
        case .person(let person):
            if let violation = Self.check(request, against: policy) { return (violation.code, violation.message) }
            guard let own = person.policy, let violation = Self.check(request, against: own) else { return nil }
            return (.personNotAllowed, "\(person.name)'s own policy refuses this (\(violation.code.rawValue)): " + Self.personal(violation.message, name: person.name))
        }
    }

    private static func check(_ request: ActionRequest, against policy: CallerPolicy) -> PolicyViolation? {
        do {
            try policy.evaluate(action: request.action, kind: request.kind, id: request.id, ticket: request.ticket, duration: request.duration)
            return nil
        } catch {
            return error
        }
    }

    /// A policy message, which speaks of "this caller", about the person instead.
    private static func personal(_ message: String, name: String) -> String {
        message.replacingOccurrences(of: "this caller", with: name)
    }
}
