import GatewayVocabulary


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

    public init(source: UpstreamSource, httpStatus: Int? = nil, seguraCode: Int? = nil, message: String? = nil) {
        self.source = source
        self.httpStatus = httpStatus
        self.seguraCode = seguraCode
        self.message = message
    }
}

/// Why an operation did not succeed.
public struct SeguraFailure: Sendable, Hashable {
    /// The stable error code.
    public var code: ErrorCode
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
