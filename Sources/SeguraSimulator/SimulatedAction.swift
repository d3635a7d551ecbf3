/// The two state changes the gateway asks Segura for.
public enum SimulatedAction: String, Sendable, Codable, CaseIterable {
    /// `PUT` on PAM items, `POST …/active/{id}` on MySafe passwords.
    case enable
    /// `DELETE` on PAM items (it deactivates, it does not delete), `POST …/inactive/{id}` on MySafe passwords.
    case disable
}
