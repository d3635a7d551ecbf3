/// One enable or disable request on one item, as parsed from a request path.
struct SimulatedOperation: Sendable, Hashable {
    /// Which family of endpoints was called.
    var kind: ObjectKind
    /// Whether the call enables or disables the item.
    var action: SimulatedAction
    /// The id from the path.
    var id: Int

    /// The key of ``SimulatorStats/callsByOperation``, e.g. `"enable credential 42"`.
    var statsKey: String {
        "\(self.action.rawValue) \(self.kind.rawValue) \(self.id)"
    }

    /// The state a successful call leaves the item in.
    var targetState: ObjectState {
        switch self.action {
        case .enable: .active
        case .disable: .inactive
        }
    }
}
