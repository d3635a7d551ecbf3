/// Why the simulator refused a configuration or failed to start.
///
/// A struct with a private code, like `HTTPClientError`, so new cases can be added without breaking callers.
public struct SimulatorError: Error, Equatable, CustomStringConvertible {
    private enum Code: Equatable {
        case unsupportedState(ObjectKind, ObjectState)
        case duplicateObject(ObjectKind, Int)
        case invalidTokenPath(String)
        case invalidTokenLifetime
        case invalidPort(Int)
        case tlsSetupFailed(String)
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    /// The reference documents no answer for this state on this kind (see ``ObjectKind/supportedStates``).
    public static func unsupportedState(_ kind: ObjectKind, _ state: ObjectState) -> SimulatorError {
        SimulatorError(.unsupportedState(kind, state))
    }

    /// The same kind and id appear twice in the seed.
    public static func duplicateObject(_ kind: ObjectKind, id: Int) -> SimulatorError {
        SimulatorError(.duplicateObject(kind, id))
    }

    /// A token path must start with `/`, carry no query and not be a control path.
    public static func invalidTokenPath(_ path: String) -> SimulatorError {
        SimulatorError(.invalidTokenPath(path))
    }

    /// The token lifetime must be positive.
    public static let invalidTokenLifetime = SimulatorError(.invalidTokenLifetime)

    /// The port must be 0 (any free port) or in 1…65535.
    public static func invalidPort(_ port: Int) -> SimulatorError {
        SimulatorError(.invalidPort(port))
    }

    /// The TLS certificate chain or private key could not be loaded; the reason comes from NIOSSL.
    public static func tlsSetupFailed(_ reason: String) -> SimulatorError {
        SimulatorError(.tlsSetupFailed(reason))
    }

    /// A human-readable reason, safe to log (it never contains secrets).
    public var description: String {
        switch self.code {
        case .unsupportedState(let kind, let state):
            "SimulatorError: state '\(state.rawValue)' is not documented for kind '\(kind.rawValue)'"
        case .duplicateObject(let kind, let id):
            "SimulatorError: object \(kind.rawValue) \(id) is seeded twice"
        case .invalidTokenPath(let path):
            "SimulatorError: invalid token path '\(path)'"
        case .invalidTokenLifetime:
            "SimulatorError: the token lifetime must be positive"
        case .invalidPort(let port):
            "SimulatorError: invalid port \(port)"
        case .tlsSetupFailed(let reason):
            "SimulatorError: TLS setup failed: \(reason)"
        }
    }
}
