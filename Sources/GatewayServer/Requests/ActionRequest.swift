import GatewayVocabulary
import SeguraClient

/// A validated request to change one Segura object, from either request form.
public struct ActionRequest: Sendable, Hashable {
    /// Creates a request; see each property.
    public init(
        action: TargetAction, kind: TargetKind, id: Int, ticket: String, requestedBy: String? = nil, reason: String? = nil, duration: Duration? = nil,
        revokesGrant: String? = nil
    ) {
        self.action = action
        self.kind = kind
        self.id = id
        self.ticket = ticket
        self.requestedBy = requestedBy
        self.reason = reason
        self.duration = duration
        self.revokesGrant = revokesGrant
    }

    /// Enable or disable.
    public var action: TargetAction
    /// The object's kind.
    public var kind: TargetKind
    /// The object's Segura id.
    public var id: Int
    /// The change or incident ticket that authorizes it.
    public var ticket: String
    /// Who asked, as the sender knows them.
    public var requestedBy: String?
    /// Why, in the requester's words.
    public var reason: String?
    /// How long a time-bound grant should last; kept for grants.
    public var duration: Duration?
    /// A `disable` that revokes this grant only: it acts only while the grant is its target's open one, so a
    /// revoke sent from chat never ends a grant opened since by someone else.
    public var revokesGrant: String?

    /// The Segura operation this request performs.
    public var operation: SeguraOperation { SeguraOperation(self.action, self.kind, id: self.id) }
}

/// Why a request body could not become an ``ActionRequest``: a stable code and the exact problem.
public struct RequestValidationError: Error, Hashable, CustomStringConvertible {
    /// The stable API error code: `invalid_json`, `invalid_request`, `invalid_command`, `invalid_duration` or
    /// `unsupported_media_type`.
    public let code: ErrorCode
    /// What is wrong, naming the field; never echoes more than a short excerpt of the input.
    public let message: String

    public var description: String { "\(self.code.rawValue): \(self.message)" }

    static func invalidRequest(_ message: String) -> Self { Self(code: .invalidRequest, message: message) }
    static func invalidCommand(_ message: String) -> Self { Self(code: .invalidCommand, message: message) }
    static func invalidDuration(_ message: String) -> Self { Self(code: .invalidDuration, message: message) }
}

/// Field limits shared by both request forms (they match `openapi.yaml`).
enum RequestLimits {
    static let ticketLength = 128
    static let requestedByLength = 128
    static let reasonLength = 1024
    static let maximumID = 9_007_199_254_740_991

    /// Tickets are identifiers such as `CHG0012345` or `INC-42`: letters, digits and a few separators.
    static func isValidTicket(_ ticket: String) -> Bool {
        guard let first = ticket.unicodeScalars.first, ticket.count <= self.ticketLength else { return false }
        let isAlphanumeric = { (scalar: Unicode.Scalar) in scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) }
        return isAlphanumeric(first) && ticket.unicodeScalars.allSatisfy { isAlphanumeric($0) || "._:/#-".unicodeScalars.contains($0) }
    }
}
