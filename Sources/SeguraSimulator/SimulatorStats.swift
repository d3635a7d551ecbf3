/// Counters that tests, the demo and benchmarks read to check what reached the simulator.
///
/// Encoded with snake_case keys by the control API (`GET /_simulator/stats`).
public struct SimulatorStats: Sendable, Codable, Equatable {
    /// Every TCP connection the server accepted; a client that reuses connections keeps this low.
    public var acceptedConnections: Int
    /// Successful token requests.
    public var tokensIssued: Int
    /// Every request that reached the token endpoint, refused or not: what a lockout rule at Segura counts.
    public var tokenRequests: Int
    /// Requests to operation routes that passed authentication, including those answered by a fault.
    public var apiCalls: Int
    /// Operations that actually changed an item's state (including ``Fault/applyThenGatewayTimeout``).
    public var appliedChanges: Int
    /// ``apiCalls`` per operation, keyed `"<action> <kind> <id>"`, e.g. `"enable credential 42"`.
    public var callsByOperation: [String: Int]
    /// The most operation requests that were in progress at once (arrived, not yet answered), all items together.
    public var maxConcurrentCalls: Int
    /// The most operation requests on one single item that were in progress at once: 1 when a client
    /// serializes its changes per item.
    public var maxConcurrentCallsPerItem: Int

    /// Creates counters, all zero by default.
    public init(
        acceptedConnections: Int = 0,
        tokensIssued: Int = 0,
        tokenRequests: Int = 0,
        apiCalls: Int = 0,
        appliedChanges: Int = 0,
        callsByOperation: [String: Int] = [:],
        maxConcurrentCalls: Int = 0,
        maxConcurrentCallsPerItem: Int = 0
    ) {
        self.acceptedConnections = acceptedConnections
        self.tokensIssued = tokensIssued
        self.tokenRequests = tokenRequests
        self.apiCalls = apiCalls
        self.appliedChanges = appliedChanges
        self.callsByOperation = callsByOperation
        self.maxConcurrentCalls = maxConcurrentCalls
        self.maxConcurrentCallsPerItem = maxConcurrentCallsPerItem
    }

    enum CodingKeys: String, CodingKey {
        case acceptedConnections = "accepted_connections"
        case tokensIssued = "tokens_issued"
        case tokenRequests = "token_requests"
        case apiCalls = "api_calls"
        case appliedChanges = "applied_changes"
        case callsByOperation = "calls_by_operation"
        case maxConcurrentCalls = "max_concurrent_calls"
        case maxConcurrentCallsPerItem = "max_concurrent_calls_per_item"
    }
}
