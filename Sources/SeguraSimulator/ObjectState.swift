/// What Segura would find behind an id; an id the simulator holds no state for is "not found".
public enum ObjectState: String, Sendable, Codable {
    /// The item exists and is enabled.
    case active
    /// The item exists and is disabled.
    case inactive
    /// The item exists but the A2A authorization (or MySafe user) may not access it.
    case noAccess = "no_access"
    /// The id belongs to an item of another kind (e.g. "1010: The item is not a credential").
    case wrongKind = "wrong_kind"
}
