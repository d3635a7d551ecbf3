/// One item in the simulator's store, as seeded in ``SimulatorConfiguration/objects`` or a `--seed` file.
public struct SimulatedObject: Sendable, Codable, Hashable {
    /// Which family of endpoints serves this item.
    public var kind: ObjectKind
    /// The numeric id used in the request path.
    public var id: Int
    /// What the simulator answers for this item.
    public var state: ObjectState

    /// Creates an item; the state must be one of `kind.supportedStates` (checked when the simulator starts).
    public init(kind: ObjectKind, id: Int, state: ObjectState) {
        self.kind = kind
        self.id = id
        self.state = state
    }

    /// A small store that exercises every documented answer, used by the demo and as the default.
    ///
    /// | kind | active | inactive | no_access | wrong_kind |
    /// |---|---|---|---|---|
    /// | credential | 41 | 42 | 43 | 44 |
    /// | password | 11 | 10 | 12 | — |
    /// | device | 21 | 20 | — | — |
    /// | ssh_key | 31 | 30 | 32 | 33 |
    ///
    /// Any other id is "not found". Password 10 is the id the MySafe doc pages use in their examples.
    public static let demoSeed: [SimulatedObject] = [
        SimulatedObject(kind: .credential, id: 41, state: .active),
        SimulatedObject(kind: .credential, id: 42, state: .inactive),
        SimulatedObject(kind: .credential, id: 43, state: .noAccess),
        SimulatedObject(kind: .credential, id: 44, state: .wrongKind),
        SimulatedObject(kind: .password, id: 10, state: .inactive),
        SimulatedObject(kind: .password, id: 11, state: .active),
        SimulatedObject(kind: .password, id: 12, state: .noAccess),
        SimulatedObject(kind: .device, id: 20, state: .inactive),
        SimulatedObject(kind: .device, id: 21, state: .active),
        SimulatedObject(kind: .sshKey, id: 30, state: .inactive),
        SimulatedObject(kind: .sshKey, id: 31, state: .active),
        SimulatedObject(kind: .sshKey, id: 32, state: .noAccess),
        SimulatedObject(kind: .sshKey, id: 33, state: .wrongKind),
    ]
}
