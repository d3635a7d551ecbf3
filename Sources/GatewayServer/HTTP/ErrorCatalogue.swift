import HTTPTypes

/// The documented error codes (`ErrorCode` in `openapi.yaml`) with their HTTP status and title.
///
/// One table, so the status a code is sent with never depends on which layer noticed the problem.
enum ErrorCatalogue {
    struct Entry {
        let status: HTTPResponse.Status
        let title: String
        let retryable: Bool
    }

    /// Looks `code` up; an unknown code is a programming error reported as `internal_error`.
    static func entry(for code: String) -> Entry {
        self.entries[code] ?? self.entries["internal_error"]!
    }

    /// Every code the catalogue knows, which must be exactly `openapi.yaml`'s `ErrorCode` enum.
    static var codes: Set<String> { Set(self.entries.keys) }

    private static let entries: [String: Entry] = [
        // Input
        "invalid_json": Entry(status: .badRequest, title: "The body is not valid JSON", retryable: false),
        "invalid_request": Entry(status: .unprocessableContent, title: "The request does not match the schema", retryable: false),
        "invalid_command": Entry(status: .unprocessableContent, title: "The command could not be parsed", retryable: false),
        "invalid_duration": Entry(status: .unprocessableContent, title: "The duration is not valid", retryable: false),
        "payload_too_large": Entry(status: .contentTooLarge, title: "The body is larger than the limit", retryable: false),
        "invalid_path": Entry(status: .badRequest, title: "The path is not written canonically", retryable: false),
        "not_found": Entry(status: .notFound, title: "The path is not part of the API", retryable: false),
        "method_not_allowed": Entry(status: .methodNotAllowed, title: "The path does not take this method", retryable: false),
        "unsupported_media_type": Entry(status: .unsupportedMediaType, title: "The body must be application/json", retryable: false),
        // Signature
        "missing_signature": Entry(status: .unauthorized, title: "The request is not signed", retryable: false),
        "malformed_signature": Entry(status: .unauthorized, title: "The signature header is malformed", retryable: false),
        "malformed_timestamp": Entry(status: .badRequest, title: "The signature timestamp is malformed", retryable: false),
        "stale_timestamp": Entry(status: .unauthorized, title: "The signature timestamp is too old", retryable: false),
        "future_timestamp": Entry(status: .unauthorized, title: "The signature timestamp is in the future", retryable: false),
        "signature_mismatch": Entry(status: .unauthorized, title: "The signature does not match", retryable: false),
        "duplicate_header": Entry(status: .unauthorized, title: "A signature header appears more than once", retryable: false),
        "malformed_delivery_id": Entry(status: .unauthorized, title: "The delivery id header is malformed", retryable: false),
        "signature_replayed": Entry(status: .unauthorized, title: "The signature was already used for another delivery", retryable: false),
        "delivery_in_flight": Entry(status: .conflict, title: "The same delivery is being processed", retryable: true),
        "superseded": Entry(status: .conflict, title: "A later change to the target completed since this delivery was attempted", retryable: false),
        "idempotency_key_reused": Entry(status: .unprocessableContent, title: "The delivery id was used with another payload", retryable: false),
        "malformed_idempotency_key": Entry(status: .badRequest, title: "Idempotency-Key is not an RFC 8941 string", retryable: false),
        // Policy
        "read_not_allowed": Entry(status: .forbidden, title: "The caller's signature scheme signs no timestamp, so it may only send actions", retryable: false),
        "action_not_allowed": Entry(status: .forbidden, title: "The caller may not perform this action", retryable: false),
        "kind_not_allowed": Entry(status: .forbidden, title: "The caller may not change this kind of object", retryable: false),
        "target_not_allowed": Entry(status: .forbidden, title: "The caller may not change this object", retryable: false),
        "ticket_pattern_mismatch": Entry(status: .forbidden, title: "The ticket does not match the caller's pattern", retryable: false),
        "duration_exceeds_maximum": Entry(status: .forbidden, title: "The duration exceeds the caller's maximum", retryable: false),
        "duration_required": Entry(status: .forbidden, title: "The caller's access is time-bound: an enable needs a duration", retryable: false),
        // Lookup
        "action_not_found": Entry(status: .notFound, title: "No stored action has this id for this caller", retryable: false),
        "grant_not_found": Entry(status: .notFound, title: "No grant with this id is visible to this caller", retryable: false),
        "revocation_in_progress": Entry(status: .conflict, title: "Another revocation of this grant is running", retryable: true),
        // Upstream
        "target_not_found": Entry(status: .notFound, title: "Segura does not know the target", retryable: false),
        "target_access_denied": Entry(status: .badGateway, title: "Segura denies the gateway access to the target", retryable: false),
        "target_wrong_kind": Entry(status: .unprocessableContent, title: "The id belongs to another kind of object", retryable: false),
        "upstream_write_permission_missing": Entry(status: .badGateway, title: "The gateway's Segura authorization is read-only", retryable: false),
        "upstream_resource_not_authorized": Entry(status: .badGateway, title: "The gateway's Segura authorization lacks the resource", retryable: false),
        "upstream_authentication_failed": Entry(status: .badGateway, title: "Segura refused the gateway's credentials", retryable: false),
        "upstream_route_not_matched": Entry(status: .badGateway, title: "Kong matched no route", retryable: false),
        "upstream_resource_sub_not_found": Entry(status: .badGateway, title: "Segura does not know the path", retryable: false),
        "upstream_internal_error": Entry(status: .badGateway, title: "Segura failed internally", retryable: false),
        "upstream_bad_gateway": Entry(status: .badGateway, title: "Kong received an invalid answer from Segura", retryable: true),
        "upstream_unavailable": Entry(status: .serviceUnavailable, title: "Segura is unavailable", retryable: true),
        "upstream_timeout": Entry(status: .gatewayTimeout, title: "Segura did not answer in time", retryable: true),
        "upstream_rate_limited": Entry(status: .serviceUnavailable, title: "Segura is rate limiting the gateway", retryable: true),
        "upstream_unreachable": Entry(status: .serviceUnavailable, title: "Segura cannot be reached", retryable: true),
        "upstream_tls_failed": Entry(status: .badGateway, title: "The TLS connection to Segura failed", retryable: false),
        "upstream_connection_reset": Entry(status: .gatewayTimeout, title: "The connection to Segura broke", retryable: true),
        "upstream_invalid_response": Entry(status: .badGateway, title: "Segura's answer could not be understood", retryable: false),
        "upstream_rejected": Entry(status: .badGateway, title: "Segura refused the change", retryable: false),
        "upstream_unrecognized_response": Entry(status: .badGateway, title: "Segura's answer is not documented", retryable: false),
        "rate_limited": Entry(status: .tooManyRequests, title: "The caller sent more requests than its rate limit allows", retryable: true),
        "gateway_overloaded": Entry(status: .serviceUnavailable, title: "The gateway is at capacity", retryable: true),
        "gateway_shutting_down": Entry(status: .serviceUnavailable, title: "The gateway is shutting down", retryable: true),
        "internal_error": Entry(status: .internalServerError, title: "The gateway failed unexpectedly", retryable: false),
    ]
}
