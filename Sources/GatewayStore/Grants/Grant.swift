import Foundation
import GatewayVocabulary

/// A time-bound enable: the gateway owns the timer that disables the target again at ``expiresAt``.
///
/// Times keep millisecond precision, like every stored time.
public struct Grant: Sendable, Hashable {
    /// `grt_` and 32 hex digits, time-ordered (see ``TimeOrderedID``).
    public var id: String
    /// The Segura object kind.
    public var targetKind: TargetKind
    /// The Segura object id.
    public var targetID: Int
    /// The caller whose request opened the grant; its callback hears about every transition.
    public var caller: String
    /// The ticket of the request that opened the grant (an extension keeps it).
    public var ticket: String
    /// The person the opening request named, if any.
    public var requestedBy: String?
    /// The gateway request that opened the grant.
    public var requestID: String
    /// When the grant was opened.
    public var startsAt: Date
    /// When access ends: the revocation falls due.
    public var expiresAt: Date
    /// Where the grant is in its life.
    public var state: GrantState
    /// How many times another enable extended it.
    public var extensions: Int
    /// Revocation attempts made so far (each one a round of the Segura client, with its own retries).
    public var revokeAttempts: Int
    /// When the scheduler acts next: the expiry, a retry after a failed attempt, or the end of a running
    /// attempt's lease. `nil` once the grant ended or its revocation failed for good.
    public var dueAt: Date?
    /// When the grant ended (revoked or cancelled).
    public var endedAt: Date?
    /// Why it ended: `expiry`, `revoke` (`DELETE /v1/grants/{id}`) or `disable` (a disable request); `nil`
    /// while open, and for a cancelled grant.
    public var endedBy: String?
    /// The error code of the last failed revocation attempt.
    public var lastErrorCode: ErrorCode?

    /// Creates a grant; see each property.
    public init(
        id: String,
        targetKind: TargetKind,
        targetID: Int,
        caller: String,
        ticket: String,
        requestedBy: String?,
        requestID: String,
        startsAt: Date,
        expiresAt: Date,
        state: GrantState = .active,
        extensions: Int = 0,
        revokeAttempts: Int = 0,
        dueAt: Date? = nil,
        endedAt: Date? = nil,
        endedBy: String? = nil,
        lastErrorCode: ErrorCode? = nil
    ) {
        self.id = id
        self.targetKind = targetKind
        self.targetID = targetID
        self.caller = caller
        self.ticket = ticket
        self.requestedBy = requestedBy
        self.requestID = requestID
        self.startsAt = startsAt
        self.expiresAt = expiresAt
        self.state = state
        self.extensions = extensions
        self.revokeAttempts = revokeAttempts
        self.dueAt = dueAt ?? (state == .active ? expiresAt : nil)
        self.endedAt = endedAt
        self.endedBy = endedBy
        self.lastErrorCode = lastErrorCode
    }
}

/// Where a grant is in its life.
///
/// `active`, `revoking` and `revokeFailed` are *open*: the target may be enabled, and at most one open grant
/// exists per target. `revoked` and `cancelled` are ended.
public enum GrantState: String, Sendable, Hashable, CaseIterable {
    /// Access runs until the expiry (or a retry of a failed revocation is due).
    case active
    /// A revocation attempt holds the grant's lease.
    case revoking
    /// The target was disabled.
    case revoked
    /// Revocation failed with a terminal error: the target may still be enabled. Alert on it.
    case revokeFailed = "revoke_failed"
    /// The enable that opened the grant did not happen, so there is nothing to revoke.
    case cancelled

    /// Whether the target may still be enabled under this grant.
    public var isOpen: Bool { self == .active || self == .revoking || self == .revokeFailed }
}
