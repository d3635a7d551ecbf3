/// Why a caller's policy could not be built; raised at configuration load, never per request.
///
/// Two errors are equal when their codes are equal; the message is not compared.
public struct PolicyConfigurationError: Error, Hashable, CustomStringConvertible {
    private enum Code: String, Hashable {
        case invalidTicketPattern = "invalid_ticket_pattern"
        case invalidApprovalRule = "invalid_approval_rule"
    }

    private let kind: Code
    /// What is wrong and where, such as `lookahead (?= is not supported at offset 3`, for `check-config`.
    public let message: String

    private init(_ kind: Code, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// A stable snake_case name for the failure, for configuration diagnostics.
    public var code: String { self.kind.rawValue }

    public var description: String {
        switch self.kind {
        case .invalidTicketPattern:
            "PolicyConfigurationError.invalid_ticket_pattern: the ticket pattern is not a supported regular expression: \(self.message)"
        case .invalidApprovalRule:
            "PolicyConfigurationError.invalid_approval_rule: \(self.message)"
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.kind) }

    /// The ticket pattern is outside the supported syntax (see `CallerPolicy.ticketPattern`) or over its limits.
    public static let invalidTicketPattern = Self(.invalidTicketPattern, "it does not compile")

    /// An approval rule no request could satisfy, or with a non-positive count or wait.
    public static let invalidApprovalRule = Self(.invalidApprovalRule, "no request could be approved")

    static func invalidApprovalRule(_ message: String) -> Self {
        Self(.invalidApprovalRule, message)
    }

    static func invalidTicketPattern(_ error: TicketPatternError) -> Self {
        Self(.invalidTicketPattern, "\(error.message) at offset \(error.offset)")
    }
}
