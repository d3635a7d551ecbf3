import GatewayVocabulary


/// What one verified caller may do: which actions, on which kinds and ids, with which tickets, for how long.
///
/// Everything not granted is denied: an empty ``allowedActions`` or ``allowedKinds`` allows nothing. Build one
/// per caller at configuration time; ``evaluate(action:kind:id:ticket:duration:)`` is a pure check.
///
/// ```swift
/// let policy = try CallerPolicy(
///     allowedActions: [.enable, .disable],
///     allowedKinds: [.credential],
///     allowedIDs: [.credential: [42...42, 100...199]],
///     ticketPattern: "(CHG|INC)[0-9]{7}",
///     maxDuration: .seconds(3600)
/// )
/// try policy.evaluate(action: .enable, kind: .credential, id: 42, ticket: "CHG0031337", duration: .seconds(900))
/// ```
public struct CallerPolicy: Sendable {
    /// The actions the caller may request; empty allows none.
    public var allowedActions: Set<TargetAction>
    /// The kinds of object the caller may act on; empty allows none.
    public var allowedKinds: Set<TargetKind>
    /// Per kind, the id ranges the caller may act on; a single id is a one-element range such as `42...42`.
    ///
    /// A kind missing from the map allows any id of that kind. A kind mapped to an empty list allows no id,
    /// so a list emptied by mistake fails closed.
    public var allowedIDs: [TargetKind: [ClosedRange<Int>]]
    /// A regular expression that the whole ticket must match; `nil` accepts any ticket that passes the basic
    /// rule (non-empty, at most 128 UTF-8 bytes, no control characters).
    ///
    /// The syntax is the subset of ICU's that ticket references use (literals, `.`, classes, `\d \w \s` in
    /// their ASCII meaning, groups, `|`, greedy and lazy quantifiers, counts up to 1000); it is matched in time
    /// linear in the ticket's length. Anchoring is implied: `(CHG|INC)[0-9]{7}` and `^(CHG|INC)[0-9]{7}$` mean
    /// the same. It is read-only because it is compiled and checked once, in `init`; build a new policy to
    /// change it.
    public var ticketPattern: String? { self.ticketRule.pattern }
    /// A warning sentence when ``ticketPattern`` has a nested or ambiguous quantifier that backtracking engines
    /// (ICU, Java, JavaScript) can take exponential time on, for `check-config`; `nil` otherwise. The gateway
    /// itself matches any pattern in linear time.
    public var ticketPatternWarning: String? { self.ticketRule.backtrackingWarning }
    /// The longest duration the caller may request; `nil` sets no maximum. `.zero` refuses every duration,
    /// so a caller can be limited to changes without one.
    ///
    /// A positive maximum also makes a duration required on `enable` (unless ``allowsPermanentEnable``): a caller
    /// whose access is meant to last at most eight hours must not be able to open it for ever by leaving the
    /// duration out.
    public var maxDuration: Duration?
    /// Whether an `enable` without a duration (access with no end) is allowed although ``maxDuration`` is
    /// set. Off by default, so time-bound access is what a maximum means.
    public var allowsPermanentEnable: Bool

    private let ticketRule: TicketRule

    /// Creates a policy, compiling the ticket pattern once.
    ///
    /// - Throws: ``PolicyConfigurationError/invalidTicketPattern`` when the pattern does not compile; its
    ///   message names the construct refused and its offset.
    public init(
        allowedActions: Set<TargetAction>,
        allowedKinds: Set<TargetKind>,
        allowedIDs: [TargetKind: [ClosedRange<Int>]] = [:],
        ticketPattern: String? = nil,
        maxDuration: Duration? = nil,
        allowsPermanentEnable: Bool = false
    ) throws(PolicyConfigurationError) {
        self.allowedActions = allowedActions
        self.allowedKinds = allowedKinds
        self.allowedIDs = allowedIDs
        self.ticketRule = try TicketRule(pattern: ticketPattern)
        self.maxDuration = maxDuration
        self.allowsPermanentEnable = allowsPermanentEnable
    }

    /// Checks one requested change, rule by rule in a fixed order: action, kind, id, ticket, duration (its
    /// presence, then its length).
    ///
    /// The first failing rule is reported, so the same request always yields the same violation.
    ///
    /// - Parameters:
    ///   - ticket: the change or incident reference the request cites; always required.
    ///   - duration: how long the change should last before it is reverted; `nil` for a permanent change.
    /// - Throws: the ``PolicyViolation`` of the first rule that fails.
    public func evaluate(action: TargetAction, kind: TargetKind, id: Int, ticket: String, duration: Duration?) throws(PolicyViolation) {
        guard self.allowedActions.contains(action) else { throw .actionNotAllowed(action) }
        guard self.allowedKinds.contains(kind) else { throw .kindNotAllowed(kind) }
        guard self.coversID(id, of: kind) else { throw .targetNotAllowed(kind, id: id) }
        guard self.ticketRule.accepts(ticket) else { throw .ticketPatternMismatch }
        if let duration {
            guard duration > .zero else { throw .invalidDuration }
            if let maxDuration = self.maxDuration, duration > maxDuration { throw .durationExceedsMaximum }
        } else if action == .enable, let maxDuration = self.maxDuration, maxDuration > .zero, !self.allowsPermanentEnable {
            throw .durationRequired
        }
    }

    /// Whether the target is within the caller's kinds and ids, whatever the action: what decides which
    /// grants a caller may see.
    public func covers(kind: TargetKind, id: Int) -> Bool {
        self.allowedKinds.contains(kind) && self.coversID(id, of: kind)
    }

    private func coversID(_ id: Int, of kind: TargetKind) -> Bool {
        self.allowedIDs[kind].map { ranges in ranges.contains { $0.contains(id) } } ?? true
    }
}
