/// What an operation did to the target, as far as the gateway can know.
public enum Outcome: String, Sendable, Codable, CaseIterable {
    /// Segura made the change.
    case applied
    /// Segura reports the target was already in the desired state; nothing changed.
    case alreadyInState = "already_in_state"
    /// Segura did not make the change.
    case notApplied = "not_applied"
    /// The change may or may not have happened (a timeout or bad gateway after the request was sent).
    case unknown
    /// Nothing changed yet: the request waits for approvers (202), and runs once they approve.
    case pendingApproval = "pending_approval"

    /// Whether the target is known to be in the desired state.
    public var isSuccess: Bool { self == .applied || self == .alreadyInState }
}
