import Foundation

/// A time-bound enable: the gateway owns the timer that disables the target again at ``expiresAt``.
///
/// Kinds are strings (`credential`, `password`, …) as in ``AuditEvent``, so the store does not depend on the
/// Segura client. Times keep millisecond precision, like every stored time.
public struct Grant: Sendable, Hashable {
    /// `grt_` and 32 hex digits, time-ordered (see ``TimeOrderedID``).
    public var id: String
    /// The Segura object kind, such as `credential`.
    public var targetKind: String
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
    public var lastErrorCode: String?

    /// Creates a grant; see each property.
    public init(
        id: String,
        targetKind: String,
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
        lastErrorCode: String? = nil
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

/// Time-ordered random ids (the UUIDv7 layout of RFC 9562: 48 bits of Unix milliseconds, then 74 random bits),
/// so ids inserted one after another land on the same index page instead of a random one.
public enum TimeOrderedID {
    /// `prefix` followed by 32 lowercase hex digits.
    public static func make(prefix: String, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        let high = milliseconds << 16 | 0x7000 | generator.next() & 0x0FFF  // version 7, 12 random bits
        let low = 0x8000_0000_0000_0000 | generator.next() & 0x3FFF_FFFF_FFFF_FFFF  // variant 10, 62 random bits
        return prefix + Self.hex(high) + Self.hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
