/// Why a caller's policy could not be built; raised at configuration load, never per request.
public struct PolicyConfigurationError: Error, Hashable, CustomStringConvertible {
    private enum Code: String, Hashable {
        case invalidTicketPattern = "invalid_ticket_pattern"
    }

    private let kind: Code

    private init(_ kind: Code) {
        self.kind = kind
    }

    /// A stable snake_case name for the failure, for configuration diagnostics.
    public var code: String { self.kind.rawValue }

    public var description: String {
        switch self.kind {
        case .invalidTicketPattern: "PolicyConfigurationError.invalid_ticket_pattern: the ticket pattern is not a complete regular expression"
        }
    }

    /// The ticket pattern does not compile as an ICU regular expression on its own.
    public static let invalidTicketPattern = Self(.invalidTicketPattern)
}
