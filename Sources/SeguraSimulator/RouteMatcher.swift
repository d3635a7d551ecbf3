/// Selects the requests an injected ``Fault`` applies to.
///
/// Faults act where Kong and Segura would produce them: after Kong has matched a route and authenticated the
/// token, so a request with an invalid token never consumes a fault on an operation route.
public struct RouteMatcher: Sendable, Hashable {
    /// What the matcher selects; `nil` fields of `operation` match anything.
    enum Target: Hashable {
        case token
        case anyRequest
        case operation(kind: ObjectKind?, action: SimulatedAction?, id: Int?)
    }

    /// What this matcher selects.
    let target: Target

    /// Matches enable/disable operations; each `nil` argument matches any value.
    ///
    /// `.operation()` matches every operation, `.operation(.credential, .enable, id: 42)` only one.
    public static func operation(_ kind: ObjectKind? = nil, _ action: SimulatedAction? = nil, id: Int? = nil) -> Self {
        RouteMatcher(target: .operation(kind: kind, action: action, id: id))
    }

    /// Matches requests to any of ``SimulatorConfiguration/tokenPaths``.
    public static let token = RouteMatcher(target: .token)

    /// Matches token requests and every authenticated API request, including unknown sub-paths.
    public static let anyRequest = RouteMatcher(target: .anyRequest)

    /// Whether a request that reached `route` is selected.
    func matches(_ route: MatchableRoute) -> Bool {
        switch (self.target, route) {
        case (.anyRequest, _), (.token, .token):
            true
        case (.operation(let kind, let action, let id), .operation(let operation)):
            (kind ?? operation.kind) == operation.kind
                && (action ?? operation.action) == operation.action
                && (id ?? operation.id) == operation.id
        case (.token, _), (.operation, _):
            false
        }
    }
}
