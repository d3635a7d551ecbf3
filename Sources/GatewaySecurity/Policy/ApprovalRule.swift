import GatewayVocabulary

/// Which of a caller's (or a person's) requests wait for a second person, who may approve them, and for how long.
///
/// A request needs approval when it matches every filter that is set: its action is among ``actions``, its kind
/// among ``kinds``, its id within ``ids`` for its kind, and its duration longer than ``durationOver`` (a request with
/// no duration, access with no end, counts as longer than any). A rule with no filter set matches every request.
///
/// ```swift
/// let rule = try ApprovalRule(actions: [.enable], durationOver: .seconds(3600), approvers: ["bob", "carol"])
/// rule.requiresApproval(action: .enable, kind: .credential, id: 42, duration: .seconds(7200))  // true
/// ```
public struct ApprovalRule: Sendable, Hashable {
    /// The actions that need approval; `nil` means any.
    public let actions: Set<TargetAction>?
    /// The kinds that need approval; `nil` means any.
    public let kinds: Set<TargetKind>?
    /// Per kind, the ids that need approval; a kind missing from the map needs it for any id. `nil` means any id.
    public let ids: [TargetKind: [ClosedRange<Int>]]?
    /// Only requests longer than this need approval; `nil` means any duration.
    public let durationOver: Duration?
    /// The people (by their configured names) who may approve.
    public let approvers: Set<String>
    /// The callers that may approve through the API, naming the approver; each counts as one approver.
    public let approverCallers: Set<String>
    /// How many different approvers must approve, an approving caller counting as one. At least 1.
    public let requiredApprovals: Int
    /// How long a request waits for its approvals before it expires. Default 15 minutes.
    public let expiresAfter: Duration

    /// Creates a rule.
    ///
    /// - Throws: ``PolicyConfigurationError`` when nobody could ever approve (no approver and no approving caller),
    ///   when fewer approvers and approving callers are listed than approvals are required, or when `requiredApprovals` or `expiresAfter`
    ///   is not positive.
    public init(
        actions: Set<TargetAction>? = nil,
        kinds: Set<TargetKind>? = nil,
        ids: [TargetKind: [ClosedRange<Int>]]? = nil,
        durationOver: Duration? = nil,
        approvers: Set<String>,
        approverCallers: Set<String> = [],
        requiredApprovals: Int = 1,
        expiresAfter: Duration = .seconds(15 * 60)
    ) throws(PolicyConfigurationError) {
        guard requiredApprovals >= 1 else { throw .invalidApprovalRule("required approvals must be at least 1") }
        guard expiresAfter > .zero else { throw .invalidApprovalRule("a request must be allowed to wait a positive time") }
        guard !approvers.isEmpty || !approverCallers.isEmpty else {
            throw .invalidApprovalRule("no approver and no approving caller: no request could ever be approved")
        }
        // An approving caller is one approver, whoever it names: one secret is one vote.
        if approvers.count + approverCallers.count < requiredApprovals {
            throw .invalidApprovalRule(
                "\(requiredApprovals) approvals are required but only \(approvers.count + approverCallers.count) approvers and approving callers are listed"
            )
        }
        self.actions = actions
        self.kinds = kinds
        self.ids = ids
        self.durationOver = durationOver
        self.approvers = approvers
        self.approverCallers = approverCallers
        self.requiredApprovals = requiredApprovals
        self.expiresAfter = expiresAfter
    }

    /// Whether a request for this change must wait for approval.
    public func requiresApproval(action: TargetAction, kind: TargetKind, id: Int, duration: Duration?) -> Bool {
        if let actions = self.actions, !actions.contains(action) { return false }
        if let kinds = self.kinds, !kinds.contains(kind) { return false }
        if let ranges = self.ids?[kind], !ranges.contains(where: { $0.contains(id) }) { return false }
        if let threshold = self.durationOver, let duration, duration <= threshold { return false }
        return true
    }

    /// Whether `approver` may approve a request of `requester`: a listed approver who is not the requester. The
    /// requester can never approve their own request, whatever the list says.
    public func allows(approver: String, forRequestOf requester: String) -> Bool {
        approver != requester && self.approvers.contains(approver)
    }
}
