/// The kind of decision an audit event records.
///
/// A string-backed struct rather than an enum, so new kinds (grants, revocations) can be added without
/// breaking stored records or callers; the raw value is what is stored and hashed.
public struct AuditDecision: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The kind as stored, in snake case.
    public let rawValue: String

    /// Wraps a stored or new kind.
    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { self.rawValue }

    /// A verified, authorized request was accepted for action.
    public static let accepted = Self(rawValue: "accepted")
    /// The signature, timestamp or caller could not be verified.
    public static let rejectedSignature = Self(rawValue: "rejected_signature")
    /// The caller is not allowed this action, target or ticket.
    public static let rejectedPolicy = Self(rawValue: "rejected_policy")
    /// The request body or headers were malformed.
    public static let rejectedInput = Self(rawValue: "rejected_input")
    /// The delivery conflicted with its idempotency key: still in flight (409) or a different payload (422).
    public static let rejectedConflict = Self(rawValue: "rejected_conflict")
    /// A repeated delivery was answered with its stored response, without acting.
    public static let replayed = Self(rawValue: "replayed")
    /// Segura made the change.
    public static let applied = Self(rawValue: "applied")
    /// Segura reported the target already in the desired state.
    public static let alreadyInState = Self(rawValue: "already_in_state")
    /// Segura did not make the change.
    public static let failed = Self(rawValue: "failed")
    /// The change may or may not have happened (timeout or bad gateway after sending).
    public static let unknown = Self(rawValue: "unknown")

    /// A time-bound grant was opened (its record's delivery id is the grant id).
    public static let grantCreated = Self(rawValue: "grant_created")
    /// A grant's expiry moved later, or a failed revocation was re-armed, by another enable.
    public static let grantExtended = Self(rawValue: "grant_extended")
    /// The enable that opened a grant did not happen; there is nothing to revoke.
    public static let grantCancelled = Self(rawValue: "grant_cancelled")
    /// A revocation attempt took the grant's lease (at expiry, on a retry, or for `DELETE`).
    public static let grantRevocationStarted = Self(rawValue: "grant_revocation_started")
    /// The target was disabled and the grant ended.
    public static let grantRevoked = Self(rawValue: "grant_revoked")
    /// A revocation attempt called Segura but had lost its lease by the time it finished (an extension, a
    /// disable or another attempt came first); its result changed nothing.
    public static let grantRevocationSuperseded = Self(rawValue: "grant_revocation_superseded")
    /// A revocation attempt failed and will be retried.
    public static let grantRevokeRetry = Self(rawValue: "grant_revoke_retry")
    /// Revocation failed for good: the target may still be enabled.
    public static let grantRevokeFailed = Self(rawValue: "grant_revoke_failed")
    /// A request that needs a second person's approval was stored as pending (its record's delivery id is the
    /// approval id).
    public static let approvalRequested = Self(rawValue: "approval_requested")
    /// An approver approved a pending request (the last vote needed, or one of several).
    public static let approvalGranted = Self(rawValue: "approval_granted")
    /// An approver, or the requester withdrawing it, denied a pending request: it will never run.
    public static let approvalDenied = Self(rawValue: "approval_denied")
    /// A pending request reached its expiry undecided: it will never run.
    public static let approvalExpired = Self(rawValue: "approval_expired")
    /// Requests refused before any caller was identified, counted over a window instead of recorded one by one:
    /// `error_code` is the refusal's code, `attempts` how many requests were refused with it, `received_at`
    /// and `occurred_at` the window's start and end. The record has no caller.
    public static let refusalsSummarized = Self(rawValue: "refusals_summarized")
}
