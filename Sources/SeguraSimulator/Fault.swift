/// A failure the simulator produces instead of (or on top of) its normal answer.
///
/// Kong-generated answers (`kong…`, ``rateLimited(retryAfterSeconds:)``) carry `Server: kong/3.4.2` and follow
/// the request's `Accept` header; Segura answers carry Kong's `Via` header and a Segura envelope.
/// Unless a case says otherwise the request has no effect on the simulator's state.
public enum Fault: Sendable, Hashable {
    /// Kong's 502 `An invalid response was received from the upstream server`.
    case kongBadGateway
    /// Kong's 503 `The upstream server is currently unavailable`.
    case kongServiceUnavailable
    /// Kong's 504 `The upstream server is timing out`.
    case kongGatewayTimeout
    /// Waits this long, then answers normally.
    ///
    /// The request takes effect when it arrives (as an upstream that committed and was slow to reply would),
    /// so a client that gives up and retries sees the "already" answer. The wait is scheduled on the event loop.
    case latency(Duration)
    /// Reads the request, then closes the connection with a TCP RST and no response.
    case connectionReset
    /// A 200 with `Content-Type: application/json` and a body that is not JSON (a PHP error page).
    case garbageBody
    /// Performs the request normally (the change is applied and counted), then answers Kong's 504.
    case applyThenGatewayTimeout
    /// Segura's 500 envelope `Unexpected error.`.
    case unexpectedError
    /// Segura's 500 envelope `You are not authorized to access this resource.` (the docs list it under 500).
    case notAuthorized
    /// 408 `{"message":"Request timed out."}`.
    ///
    /// The docs list this text without a status or origin. Kong's own 408 text is "Request timeout", so the
    /// simulator treats it as an upstream answer passed through Kong (with `Via`), not as a Kong-generated one.
    case requestTimedOut
    /// Segura's 401 envelope `Invalid signature` (the OAuth 1.0 failure).
    case invalidSignature
    /// Segura's 404 envelope `Resource sub not found`.
    case resourceSubNotFound
    /// Kong's 429 `API rate limit exceeded` with `Retry-After` and `X-RateLimit-Limit/Remaining/Reset`.
    ///
    /// Segura publishes no limit, so `X-RateLimit-Limit` is an assumed 60; `X-RateLimit-Reset` counts seconds
    /// until the window resets (as Kong's own `RateLimit-Reset` does), equal to `Retry-After`.
    case rateLimited(retryAfterSeconds: Int)
    /// The given status with an empty body, passed through Kong.
    case emptyBody(status: Int)
    /// A Segura error envelope (`error: true`) with this status and message, for answers the reference does not
    /// document for an operation, such as a numbered code from another module.
    ///
    /// A message that starts with a number and a colon (`"1008: Credential inactive"`) also gets the
    /// `exception` block, as Segura does for numbered business errors.
    case seguraError(status: Int, message: String)
}
