/// Everything a ``SeguraSimulator`` needs to start; the defaults give a plain-HTTP simulator on a free loopback
/// port with the ``SimulatedObject/demoSeed`` store.
public struct SimulatorConfiguration: Sendable {
    /// The address to bind. The control API answers loopback peers only, whatever the address.
    public var host: String = "127.0.0.1"
    /// The port to bind; 0 picks a free port (read it back from ``SeguraSimulator/port``).
    public var port: Int = 0
    /// The OAuth 2.0 client id the token endpoint accepts.
    public var clientID: String = "segura-gateway"
    /// The OAuth 2.0 client secret the token endpoint accepts.
    public var clientSecret: String = "simulator-secret"
    /// How long an issued token stays valid: reported as `expires_in` (whole seconds) and enforced.
    public var tokenLifetime: Duration = .seconds(3600)
    /// The paths that issue tokens. Segura documents `/iso/oauth2/token`; some pages give `/api/oauth2/token`.
    public var tokenPaths: [String] = ["/iso/oauth2/token"]
    /// What an API request with a missing, unknown, expired or revoked token gets.
    public var invalidTokenResponse: InvalidTokenResponse = .kongNoRoute
    /// When set, the simulator serves HTTPS with these PEM files.
    public var tls: TLSFiles? = nil
    /// The initial store; ids not listed are "not found".
    public var objects: [SimulatedObject] = SimulatedObject.demoSeed

    /// Creates the default configuration; change the properties you need.
    public init() {}

    /// Checks the invariants the engine relies on, so that a bad seed fails at start rather than mid-test.
    func validate() throws(SimulatorError) {
        guard (0...65_535).contains(self.port) else {
            throw .invalidPort(self.port)
        }
        guard self.tokenLifetime > .zero else {
            throw .invalidTokenLifetime
        }
        for path in self.tokenPaths
        where !path.hasPrefix("/") || path.contains("?") || path.hasPrefix(SimulatorRoute.controlPrefix) {
            throw .invalidTokenPath(path)
        }
        var seen = Set<ObjectKey>()
        for object in self.objects {
            guard object.kind.supportedStates.contains(object.state) else {
                throw .unsupportedState(object.kind, object.state)
            }
            guard seen.insert(ObjectKey(kind: object.kind, id: object.id)).inserted else {
                throw .duplicateObject(object.kind, id: object.id)
            }
        }
    }
}
