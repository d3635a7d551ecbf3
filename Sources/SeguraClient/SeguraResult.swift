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

    /// Whether the target is known to be in the desired state.
    public var isSuccess: Bool { self == .applied || self == .alreadyInState }
}

/// A stable, documented name for why an operation did not succeed.
///
/// Segura's numbered codes are per module (1005 is "Password not found" in MySafe but "IP missing" in
/// PAM create), so callers get these instead; the raw code stays available in ``UpstreamFacts``.
/// A struct with static members rather than an enum, so codes can be added without breaking callers.
public struct SeguraErrorCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The code as it appears on the wire, in snake case.
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { self.rawValue }

    /// The object does not exist (credential 1007, password 1005, device 1011, SSH key 1015).
    public static let targetNotFound = Self(rawValue: "target_not_found")
    /// Segura's authorization cannot see the object (credential and SSH key 1009, password 1006).
    public static let targetAccessDenied = Self(rawValue: "target_access_denied")
    /// The id belongs to another kind of object (credential 1010, SSH key 1016).
    public static let targetWrongKind = Self(rawValue: "target_wrong_kind")
    /// The A2A authorization is read-only (1039).
    public static let upstreamWritePermissionMissing = Self(rawValue: "upstream_write_permission_missing")
    /// The A2A authorization does not include the resource ("You are not authorized to access this resource.").
    public static let upstreamResourceNotAuthorized = Self(rawValue: "upstream_resource_not_authorized")
    /// The client credentials or token were refused ("Client authentication failed", "Invalid signature", 401).
    public static let upstreamAuthenticationFailed = Self(rawValue: "upstream_authentication_failed")
    /// Kong matched no route, even with a fresh token: a wrong base URL or a missing `Authorization` header.
    public static let upstreamRouteNotMatched = Self(rawValue: "upstream_route_not_matched")
    /// Segura does not know the path ("Resource sub not found"): usually a wrong API prefix.
    public static let upstreamResourceSubNotFound = Self(rawValue: "upstream_resource_sub_not_found")
    /// Segura failed internally ("Unexpected error.", 500); the change may have happened.
    public static let upstreamInternalError = Self(rawValue: "upstream_internal_error")
    /// Kong got an invalid answer from Segura (502); the change may have happened.
    public static let upstreamBadGateway = Self(rawValue: "upstream_bad_gateway")
    /// Kong had no healthy Segura to send the request to (503).
    public static let upstreamUnavailable = Self(rawValue: "upstream_unavailable")
    /// Segura or Kong timed out (504, "Request timed out"), or the client's own limit ran out after sending.
    public static let upstreamTimeout = Self(rawValue: "upstream_timeout")
    /// Rate limited (429).
    public static let upstreamRateLimited = Self(rawValue: "upstream_rate_limited")
    /// Segura could not be reached: DNS, connect, connect timeout or proxy failure. Nothing was sent.
    public static let upstreamUnreachable = Self(rawValue: "upstream_unreachable")
    /// The TLS handshake or certificate verification failed. Nothing was sent.
    public static let upstreamTLSFailed = Self(rawValue: "upstream_tls_failed")
    /// The connection broke after the request was sent.
    public static let upstreamConnectionReset = Self(rawValue: "upstream_connection_reset")
    /// The answer could not be understood (not an envelope, not HTTP, or too large).
    public static let upstreamInvalidResponse = Self(rawValue: "upstream_invalid_response")
    /// Segura refused the change with a numbered code the gateway does not map for this operation.
    public static let upstreamRejected = Self(rawValue: "upstream_rejected")
    /// Any other answer.
    public static let upstreamUnrecognizedResponse = Self(rawValue: "upstream_unrecognized_response")
    /// The gateway's HTTP client was shutting down.
    public static let gatewayShuttingDown = Self(rawValue: "gateway_shutting_down")
}

/// The facts of the last upstream answer, kept for the response, the audit trail and debugging.
public struct UpstreamFacts: Sendable, Hashable, Codable {
    /// Who answered.
    public var source: UpstreamSource
    /// The HTTP status, absent for transport failures.
    public var httpStatus: Int?
    /// Segura's numbered code, such as 1043.
    public var seguraCode: Int?
    /// Segura's or Kong's message, or the transport failure's description.
    public var message: String?
}

/// Why an operation did not succeed.
public struct SeguraFailure: Sendable, Hashable {
    /// The stable error code.
    public var code: SeguraErrorCode
    /// A sentence for humans, which never contains secrets.
    public var message: String
    /// Whether the client retried this kind of failure (and a later identical request may succeed).
    public var retryable: Bool
}

/// The result of ``SeguraClient/perform(_:)``: the same shape for success and failure.
public struct SeguraResult: Sendable {
    /// The operation performed.
    public var operation: SeguraOperation
    /// What happened to the target.
    public var outcome: Outcome
    /// Why it did not succeed; `nil` when ``outcome`` is `applied` or `already_in_state`.
    public var failure: SeguraFailure?
    /// The last upstream answer, success or not.
    public var upstream: UpstreamFacts
    /// How many times the operation was sent to Segura (token requests not counted).
    public var attempts: Int
    /// Wall time of the whole operation, retries and backoff included.
    public var latency: Duration
    /// `true` when an earlier attempt's outcome was unknown and a later one found the target already
    /// in state; the outcome is then reported as `applied`, since the earlier attempt most likely did it.
    public var convergedAfterUncertainAttempt: Bool
}
