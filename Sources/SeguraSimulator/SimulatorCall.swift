/// One operation call that reached the simulator: what it asked, when it arrived and what it was answered.
///
/// ``SimulatorStats`` says how many calls arrived; this says when, so a test or script can show that a
/// time-bound grant was revoked on time and never early. Encoded with snake_case keys by the control API
/// (`GET /_simulator/calls`).
public struct SimulatorCall: Sendable, Codable, Equatable {
    /// The key the call is counted under in ``SimulatorStats/callsByOperation``, e.g. `"disable credential 42"`.
    public var operation: String
    /// Which family of endpoints was called.
    public var kind: ObjectKind
    /// The id from the path.
    public var id: Int
    /// Whether the call enabled or disabled the item.
    public var action: SimulatedAction
    /// Wall-clock time the call arrived, in milliseconds since the Unix epoch (JSON `at_ms`).
    ///
    /// Wall clock rather than a monotonic instant so that a script in another process can compare it with the
    /// times the gateway reports, such as a grant's expiry. A latency fault delays the answer, not this time.
    public var receivedAtMilliseconds: Int64
    /// The HTTP status answered, Segura's or a fault's; `nil` (no JSON key) when a fault reset the connection.
    public var status: Int?
    /// Whether the call changed the item's state, as counted in ``SimulatorStats/appliedChanges`` (so `true`
    /// for ``Fault/applyThenGatewayTimeout`` despite its 504, `false` for Segura's "already" answers).
    public var applied: Bool

    enum CodingKeys: String, CodingKey {
        case operation
        case kind
        case id
        case action
        case receivedAtMilliseconds = "at_ms"
        case status
        case applied
    }
}
