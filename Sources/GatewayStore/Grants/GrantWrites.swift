import Foundation
import GatewayVocabulary

/// A grant to open together with a delivery claim, so the timer that ends access is durable before Segura is
/// asked to enable anything: a process killed after enabling leaves a grant that still expires.
public struct GrantOpening: Sendable, Hashable {
    /// The grant as it starts; the store keeps an existing open grant on the same target instead.
    public var grant: Grant
    /// Its `grant_created` record, appended only when the grant is opened.
    public var event: AuditEvent

    /// Creates an opening; see each property.
    public init(grant: Grant, event: AuditEvent) {
        self.grant = grant
        self.event = event
    }
}

/// What an answered action does to the target's open grant, written with the outcome in one transaction.
public struct GrantChange: Sendable, Hashable {
    /// The transition.
    public enum Kind: Sendable, Hashable {
        /// Another enable with a duration: the expiry moves to `expiresAt` (never earlier), a failed
        /// revocation is re-armed, and a running attempt loses its lease.
        case extend(expiresAt: Date)
        /// The enable that opened the grant did not happen: nothing to revoke.
        case cancel
        /// A disable reached Segura: access ended before the expiry (`endedBy` `disable`).
        case end(endedBy: String)
    }

    /// The open grant.
    public var grantID: String
    /// The transition.
    public var kind: Kind
    /// Its audit record.
    public var event: AuditEvent

    /// Creates a change; see each property.
    public init(grantID: String, kind: Kind, event: AuditEvent) {
        self.grantID = grantID
        self.kind = kind
        self.event = event
    }
}

/// A revocation attempt's hold on a grant: only the holder of `leaseToken` may complete it.
///
/// A lease that is never completed (its process died) simply falls due again when it ends, so another
/// attempt, here or on another replica, takes over; nothing has to sweep for it.
public struct RevocationClaim: Sendable, Hashable {
    /// The grant, as claimed (state `revoking`).
    public var grant: Grant
    /// Identifies this attempt; also the request id of its audit records.
    public var leaseToken: String

    package init(grant: Grant, leaseToken: String) {
        self.grant = grant
        self.leaseToken = leaseToken
    }
}

/// How a claim on one grant for `DELETE /v1/grants/{id}` turned out.
public enum RevocationRequest: Sendable, Hashable {
    /// The caller now holds the grant's lease and must run the revocation.
    case claimed(RevocationClaim)
    /// The grant already ended; nothing to do.
    case ended(Grant)
    /// Another attempt holds a live lease.
    case inProgress(Grant)
    /// No such grant.
    case notFound
}

/// The result of one revocation attempt, written with its audit record.
public struct RevocationCompletion: Sendable, Hashable {
    /// What the attempt achieved.
    public enum Result: Sendable, Hashable {
        /// Segura disabled the target (or it was already disabled).
        case revoked(endedBy: String)
        /// A retryable failure or an unknown outcome: try again at `retryAt`.
        case retry(at: Date, errorCode: ErrorCode)
        /// A terminal failure: the grant is `revoke_failed` and the target may still be enabled.
        case failed(errorCode: ErrorCode)
    }

    /// The grant.
    public var grantID: String
    /// The lease the attempt held; a completion under a lost lease changes nothing but is still audited.
    public var leaseToken: String
    /// What the attempt achieved.
    public var result: Result
    /// The attempt's audit record.
    public var event: AuditEvent
    /// The event announcing the result, queued in the outbox only if the attempt still held the lease.
    public var callback: CallbackEvent?

    /// Creates a completion; see each property.
    public init(grantID: String, leaseToken: String, result: Result, event: AuditEvent, callback: CallbackEvent? = nil) {
        self.grantID = grantID
        self.leaseToken = leaseToken
        self.result = result
        self.event = event
        self.callback = callback
    }
}

/// Filters for listing grants; `nil` matches anything.
public struct GrantQuery: Sendable, Hashable {
    /// Which part of their life the listed grants are in.
    public enum States: String, Sendable, Hashable {
        /// Active, revoking or revoke_failed.
        case open
        /// Revoked or cancelled.
        case ended
        /// Both.
        case all
    }

    public var caller: String?
    public var targetKind: TargetKind?
    public var targetID: Int?
    public var ticket: String?
    public var states: States
    /// The most grants returned, newest first.
    public var limit: Int

    /// Creates a query; see each property.
    public init(caller: String? = nil, targetKind: TargetKind? = nil, targetID: Int? = nil, ticket: String? = nil, states: States = .all, limit: Int = 100) {
        self.caller = caller
        self.targetKind = targetKind
        self.targetID = targetID
        self.ticket = ticket
        self.states = states
        self.limit = limit
    }
}
