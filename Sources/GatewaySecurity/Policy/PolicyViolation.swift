import GatewayVocabulary


/// Why a verified caller may not perform a requested change: the answer is HTTP 403.
///
/// The ``message`` names the rule that failed and repeats only what the caller itself asked for; it never
/// lists the policy's allowed values, so one caller cannot map another's permissions or the policy's shape.
/// Two violations are equal when their codes are equal; the message is not compared.
public struct PolicyViolation: Error, Hashable, CustomStringConvertible {
    private let kind: ErrorCode
    /// Human text naming the rule, for the `detail` of a problem response and for audit logs.
    public let message: String

    private init(_ kind: ErrorCode, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The stable error code of the rule that failed, for the answer, the audit trail and metric labels. Its
    /// status is 403 (the caller is authenticated but not authorized), except `invalid_duration` (422).
    public var code: ErrorCode { self.kind }

    public var description: String { "PolicyViolation.\(self.kind.rawValue): \(self.message)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.kind) }

    /// The action is not among the caller's allowed actions.
    public static let actionNotAllowed = Self(.actionNotAllowed, "this caller may not perform this action")
    /// The object kind is not among the caller's allowed kinds.
    public static let kindNotAllowed = Self(.kindNotAllowed, "this caller may not act on this kind of object")
    /// The id is outside every range allowed for its kind.
    public static let targetNotAllowed = Self(.targetNotAllowed, "this caller may not act on this object")
    /// The ticket is empty, too long, has control characters, or does not match the caller's pattern.
    public static let ticketPatternMismatch = Self(.ticketPatternMismatch, "the ticket does not satisfy this caller's ticket rule")
    /// A duration was given that is zero or negative.
    public static let invalidDuration = Self(.invalidDuration, "a duration must be positive")
    /// A duration was given that is longer than the caller's maximum.
    public static let durationExceedsMaximum = Self(.durationExceedsMaximum, "the duration is longer than this caller's maximum")
    /// An `enable` came without a duration from a caller whose access is time-bound (it has a maximum).
    public static let durationRequired = Self(
        .durationRequired, "this caller's access is time-bound: an enable needs a duration, such as PT2H or 'for 2h'"
    )

    static func actionNotAllowed(_ action: TargetAction) -> Self {
        Self(.actionNotAllowed, "this caller may not \(action.rawValue) objects")
    }

    static func kindNotAllowed(_ kind: TargetKind) -> Self {
        Self(.kindNotAllowed, "this caller may not act on objects of kind \(kind.rawValue)")
    }

    static func targetNotAllowed(_ kind: TargetKind, id: Int) -> Self {
        Self(.targetNotAllowed, "this caller may not act on \(kind.rawValue) \(id)")
    }
}
