/// The gateway's stable error codes: `ErrorCode` in `openapi.yaml`, the `code` of every failure answer, the
/// `error_code` of audit records and the `code` label of metrics. A test keeps this enum and the contract equal.
public enum ErrorCode: String, Sendable, Hashable, CaseIterable, Codable {
    // Input
    case invalidJSON = "invalid_json"
    case invalidRequest = "invalid_request"
    case invalidCommand = "invalid_command"
    case invalidDuration = "invalid_duration"
    case payloadTooLarge = "payload_too_large"
    case invalidPath = "invalid_path"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case unsupportedMediaType = "unsupported_media_type"
    // Signature
    case missingSignature = "missing_signature"
    case malformedSignature = "malformed_signature"
    case malformedTimestamp = "malformed_timestamp"
    case staleTimestamp = "stale_timestamp"
    case futureTimestamp = "future_timestamp"
    case signatureMismatch = "signature_mismatch"
    case duplicateHeader = "duplicate_header"
    case malformedDeliveryID = "malformed_delivery_id"
    case signatureReplayed = "signature_replayed"
    case deliveryInFlight = "delivery_in_flight"
    case superseded
    case idempotencyKeyReused = "idempotency_key_reused"
    case malformedIdempotencyKey = "malformed_idempotency_key"
    // Policy
    case readNotAllowed = "read_not_allowed"
    case actionNotAllowed = "action_not_allowed"
    case kindNotAllowed = "kind_not_allowed"
    case targetNotAllowed = "target_not_allowed"
    case ticketPatternMismatch = "ticket_pattern_mismatch"
    case durationExceedsMaximum = "duration_exceeds_maximum"
    case durationRequired = "duration_required"
    case chatUserUnknown = "chat_user_unknown"
    case personNotAllowed = "person_not_allowed"
    // Lookup
    case actionNotFound = "action_not_found"
    case grantNotFound = "grant_not_found"
    case revocationInProgress = "revocation_in_progress"
    case grantEnded = "grant_ended"
    // Approvals
    case approvalNotFound = "approval_not_found"
    case approvalDecided = "approval_decided"
    case approverNotAllowed = "approver_not_allowed"
    case requesterCannotApprove = "requester_cannot_approve"
    case approvalAlreadyGiven = "approval_already_given"
    // Upstream
    case targetNotFound = "target_not_found"
    case targetAccessDenied = "target_access_denied"
    case targetWrongKind = "target_wrong_kind"
    case upstreamWritePermissionMissing = "upstream_write_permission_missing"
    case upstreamResourceNotAuthorized = "upstream_resource_not_authorized"
    case upstreamAuthenticationFailed = "upstream_authentication_failed"
    case upstreamRouteNotMatched = "upstream_route_not_matched"
    case upstreamResourceSubNotFound = "upstream_resource_sub_not_found"
    case upstreamInternalError = "upstream_internal_error"
    case upstreamBadGateway = "upstream_bad_gateway"
    case upstreamUnavailable = "upstream_unavailable"
    case upstreamTimeout = "upstream_timeout"
    case upstreamRateLimited = "upstream_rate_limited"
    case upstreamUnreachable = "upstream_unreachable"
    case upstreamTLSFailed = "upstream_tls_failed"
    case upstreamConnectionReset = "upstream_connection_reset"
    case upstreamInvalidResponse = "upstream_invalid_response"
    case upstreamRejected = "upstream_rejected"
    case upstreamUnrecognizedResponse = "upstream_unrecognized_response"
    case rateLimited = "rate_limited"
    case gatewayOverloaded = "gateway_overloaded"
    case gatewayShuttingDown = "gateway_shutting_down"
    case storeUnavailable = "store_unavailable"
    case internalError = "internal_error"
}

/// What each ``ErrorCode`` means: its HTTP status, title, whether a later identical request may succeed, and
/// how the audit trail records a request refused or failed with it.
///
/// One exhaustive table, so the status a code is sent with never depends on which layer noticed the problem, and
/// a new code does not compile until it has all four.
public enum ErrorCatalogue {
    /// One code's meaning.
    public struct Entry: Sendable, Hashable {
        /// The HTTP status of an answer with this code.
        public let status: Int
        /// The RFC 9457 `title`: the same text for every answer with this code.
        public let title: String
        /// Whether the sender may retry the same request unchanged and hope for another answer.
        public let retryable: Bool
        /// The audit decision of a request that did not change its target (`not_applied`) with this code.
        public let auditDecision: AuditDecision

        init(_ status: Int, _ title: String, retryable: Bool, audit: AuditDecision) {
            self.status = status
            self.title = title
            self.retryable = retryable
            self.auditDecision = audit
        }
    }

    /// The entry of `code`.
    public static func entry(for code: ErrorCode) -> Entry {
        switch code {
        // Input
        case .invalidJSON: Entry(400, "The body is not valid JSON", retryable: false, audit: .rejectedInput)
        case .invalidRequest: Entry(422, "The request does not match the schema", retryable: false, audit: .rejectedInput)
        case .invalidCommand: Entry(422, "The command could not be parsed", retryable: false, audit: .rejectedInput)
        case .invalidDuration: Entry(422, "The duration is not valid", retryable: false, audit: .rejectedInput)
        case .payloadTooLarge: Entry(413, "The body is larger than the limit", retryable: false, audit: .rejectedInput)
        case .invalidPath: Entry(400, "The path is not written canonically", retryable: false, audit: .rejectedInput)
        case .notFound: Entry(404, "The path is not part of the API", retryable: false, audit: .failed)
        case .methodNotAllowed: Entry(405, "The path does not take this method", retryable: false, audit: .failed)
        case .unsupportedMediaType: Entry(415, "The body is not of the media type this route takes", retryable: false, audit: .rejectedInput)
        // Signature
        case .missingSignature: Entry(401, "The request is not signed", retryable: false, audit: .rejectedSignature)
        case .malformedSignature: Entry(401, "The signature header is malformed", retryable: false, audit: .rejectedSignature)
        case .malformedTimestamp: Entry(400, "The signature timestamp is malformed", retryable: false, audit: .rejectedInput)
        case .staleTimestamp: Entry(401, "The signature timestamp is too old", retryable: false, audit: .rejectedSignature)
        case .futureTimestamp: Entry(401, "The signature timestamp is in the future", retryable: false, audit: .rejectedSignature)
        case .signatureMismatch: Entry(401, "The signature does not match", retryable: false, audit: .rejectedSignature)
        case .duplicateHeader: Entry(401, "A signature header appears more than once", retryable: false, audit: .rejectedSignature)
        case .malformedDeliveryID: Entry(401, "The delivery id header is malformed", retryable: false, audit: .rejectedSignature)
        case .signatureReplayed: Entry(401, "The signature was already used for another delivery", retryable: false, audit: .rejectedSignature)
        case .deliveryInFlight: Entry(409, "The same delivery is being processed", retryable: true, audit: .rejectedConflict)
        case .superseded: Entry(409, "A later change to the target completed since this delivery was attempted", retryable: false, audit: .rejectedConflict)
        case .idempotencyKeyReused: Entry(422, "The delivery id was used with another payload", retryable: false, audit: .rejectedConflict)
        case .malformedIdempotencyKey: Entry(400, "Idempotency-Key is not an RFC 8941 string", retryable: false, audit: .rejectedInput)
        // Policy
        case .readNotAllowed: Entry(403, "The caller's signature scheme signs no timestamp, so it may only send actions", retryable: false, audit: .rejectedPolicy)
        case .actionNotAllowed: Entry(403, "The caller may not perform this action", retryable: false, audit: .rejectedPolicy)
        case .kindNotAllowed: Entry(403, "The caller may not change this kind of object", retryable: false, audit: .rejectedPolicy)
        case .targetNotAllowed: Entry(403, "The caller may not change this object", retryable: false, audit: .rejectedPolicy)
        case .ticketPatternMismatch: Entry(403, "The ticket does not match the caller's pattern", retryable: false, audit: .rejectedPolicy)
        case .durationExceedsMaximum: Entry(403, "The duration exceeds the caller's maximum", retryable: false, audit: .rejectedPolicy)
        case .durationRequired: Entry(403, "The caller's access is time-bound: an enable needs a duration", retryable: false, audit: .rejectedPolicy)
        case .chatUserUnknown: Entry(403, "The chat user is not mapped to a person allowed to use this caller", retryable: false, audit: .rejectedPolicy)
        case .personNotAllowed: Entry(403, "The person's own policy does not allow this request", retryable: false, audit: .rejectedPolicy)
        // Lookup
        case .actionNotFound: Entry(404, "No stored action has this id for this caller", retryable: false, audit: .failed)
        case .grantNotFound: Entry(404, "No grant with this id is visible to this caller", retryable: false, audit: .failed)
        case .revocationInProgress: Entry(409, "Another revocation of this grant is running", retryable: true, audit: .rejectedConflict)
        case .grantEnded: Entry(409, "The grant has already ended; its target was not changed", retryable: false, audit: .rejectedConflict)
        // Approvals
        case .approvalNotFound: Entry(404, "No approval request has this id for this caller", retryable: false, audit: .failed)
        case .approvalDecided: Entry(409, "The approval request was already decided, or has expired", retryable: false, audit: .rejectedConflict)
        case .approverNotAllowed: Entry(403, "The approval rule does not name this approver", retryable: false, audit: .rejectedPolicy)
        case .requesterCannotApprove: Entry(403, "A requester cannot approve their own request", retryable: false, audit: .rejectedPolicy)
        case .approvalAlreadyGiven: Entry(409, "This approver has already approved; another approver is needed", retryable: false, audit: .rejectedConflict)
        // Upstream
        case .targetNotFound: Entry(404, "Segura does not know the target", retryable: false, audit: .failed)
        case .targetAccessDenied: Entry(502, "Segura denies the gateway access to the target", retryable: false, audit: .failed)
        case .targetWrongKind: Entry(422, "The id belongs to another kind of object", retryable: false, audit: .failed)
        case .upstreamWritePermissionMissing: Entry(502, "The gateway's Segura authorization is read-only", retryable: false, audit: .failed)
        case .upstreamResourceNotAuthorized: Entry(502, "The gateway's Segura authorization lacks the resource", retryable: false, audit: .failed)
        case .upstreamAuthenticationFailed: Entry(502, "Segura refused the gateway's credentials", retryable: false, audit: .failed)
        case .upstreamRouteNotMatched: Entry(502, "Kong matched no route", retryable: false, audit: .failed)
        case .upstreamResourceSubNotFound: Entry(502, "Segura does not know the path", retryable: false, audit: .failed)
        case .upstreamInternalError: Entry(502, "Segura failed internally", retryable: false, audit: .failed)
        case .upstreamBadGateway: Entry(502, "Kong received an invalid answer from Segura", retryable: true, audit: .failed)
        case .upstreamUnavailable: Entry(503, "Segura is unavailable", retryable: true, audit: .failed)
        case .upstreamTimeout: Entry(504, "Segura did not answer in time", retryable: true, audit: .failed)
        case .upstreamRateLimited: Entry(503, "Segura is rate limiting the gateway", retryable: true, audit: .failed)
        case .upstreamUnreachable: Entry(503, "Segura cannot be reached", retryable: true, audit: .failed)
        case .upstreamTLSFailed: Entry(502, "The TLS connection to Segura failed", retryable: false, audit: .failed)
        case .upstreamConnectionReset: Entry(504, "The connection to Segura broke", retryable: true, audit: .failed)
        case .upstreamInvalidResponse: Entry(502, "Segura's answer could not be understood", retryable: false, audit: .failed)
        case .upstreamRejected: Entry(502, "Segura refused the change", retryable: false, audit: .failed)
        case .upstreamUnrecognizedResponse: Entry(502, "Segura's answer is not documented", retryable: false, audit: .failed)
        case .rateLimited: Entry(429, "The caller sent more requests than its rate limit allows", retryable: true, audit: .failed)
        case .gatewayOverloaded: Entry(503, "The gateway is at capacity", retryable: true, audit: .failed)
        case .gatewayShuttingDown: Entry(503, "The gateway is shutting down", retryable: true, audit: .failed)
        case .storeUnavailable: Entry(503, "The gateway's durable store cannot be written", retryable: true, audit: .failed)
        case .internalError: Entry(500, "The gateway failed unexpectedly", retryable: false, audit: .failed)
        }
    }
}

extension ErrorCode {
    /// The HTTP status of an answer with this code.
    public var httpStatus: Int { ErrorCatalogue.entry(for: self).status }
}
