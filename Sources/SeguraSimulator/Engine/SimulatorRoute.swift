import NIOHTTP1

/// Where a request goes, decided from its method and path alone (authentication comes later).
///
/// Assumption: Kong routes the whole `/api` and `/iso` prefixes to Segura, so any path under them reaches
/// Segura (which answers "Resource sub not found" for what it does not know) and any other path gets Kong's
/// "no Route matched". Both prefixes serve PAM; MySafe exists under `/api` only.
enum SimulatorRoute: Equatable {
    /// The path prefix of the control API.
    static let controlPrefix = "/_simulator/"

    /// The control API; the associated value is the path after ``controlPrefix``, split on `/`.
    case control([Substring])
    /// One of the configured token paths.
    case token
    /// A known enable/disable operation.
    case operation(SimulatedOperation)
    /// Any other path under `/api` or `/iso`.
    case otherAPI
    /// A path Kong has no route for.
    case noRoute

    /// Classifies a request path (without its query) given the configured token paths.
    init(method: HTTPMethod, path: Substring, tokenPaths: [String]) {
        if path.hasPrefix(Self.controlPrefix) {
            self = .control(path.dropFirst(Self.controlPrefix.count).split(separator: "/"))
        } else if tokenPaths.contains(where: { $0 == path }) {
            self = .token
        } else {
            let components = path.split(separator: "/")
            guard let prefix = components.first, prefix == "api" || prefix == "iso" else {
                self = .noRoute
                return
            }
            let underAPI = prefix == "api"
            if let operation = Self.operation(method: method, components: components.dropFirst(), underAPI: underAPI) {
                self = .operation(operation)
            } else {
                self = .otherAPI
            }
        }
    }

    /// `pam/{credential|device|key}/{id}` with PUT or DELETE, or `mysafe/password/{active|inactive}/{id}` with
    /// POST (under `/api` only).
    private static func operation(
        method: HTTPMethod,
        components: ArraySlice<Substring>,
        underAPI: Bool
    ) -> SimulatedOperation? {
        let parts = Array(components)
        switch (parts.count, parts.first) {
        case (3, "pam"):
            let kind: ObjectKind? =
                switch parts[1] {
                case "credential": .credential
                case "device": .device
                case "key": .sshKey
                default: nil
                }
            let action: SimulatedAction? =
                switch method {
                case .PUT: .enable
                case .DELETE: .disable
                default: nil
                }
            guard let kind, let action, let id = Self.id(parts[2]) else {
                return nil
            }
            return SimulatedOperation(kind: kind, action: action, id: id)
        case (4, "mysafe") where underAPI && method == .POST && parts[1] == "password":
            let action: SimulatedAction? =
                switch parts[2] {
                case "active": .enable
                case "inactive": .disable
                default: nil
                }
            guard let action, let id = Self.id(parts[3]) else {
                return nil
            }
            return SimulatedOperation(kind: .password, action: action, id: id)
        default:
            return nil
        }
    }

    /// A path id: ASCII digits only (no sign), within `Int`.
    private static func id(_ component: Substring) -> Int? {
        guard component.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return Int(component)
    }
}
