import Logging

/// An in-process imitation of Segura's A2A REST API and the Kong gateway in front of it, with fault injection.
///
/// It serves the OAuth 2.0 token endpoint, enable/disable of PAM credentials, devices and SSH keys (under
/// `/api` and the legacy `/iso`) and MySafe passwords, answering with the texts and envelopes Segura documents.
/// Tests steer it through this type; scripts use the control API under `/_simulator/`.
///
/// ```swift
/// let simulator = try await SeguraSimulator.start()
/// simulator.injectFault(.kongGatewayTimeout, on: .operation(.credential, .enable, id: 42))
/// // … point the client at simulator.baseURL …
/// #expect(simulator.stats.appliedChanges == 1)
/// try await simulator.shutdown()
/// ```
public final class SeguraSimulator: Sendable {
    private let engine: SharedSimulatorEngine
    private let server: SimulatorServer

    private init(engine: SharedSimulatorEngine, server: SimulatorServer) {
        self.engine = engine
        self.server = server
    }

    /// Validates `configuration`, binds the listening socket and starts serving; returns once it accepts.
    ///
    /// - Throws: ``SimulatorError`` for an invalid configuration or unreadable TLS files, or the bind error.
    public static func start(
        _ configuration: SimulatorConfiguration = .init(),
        logger: Logger = Logger(label: "segura-simulator")
    ) async throws -> SeguraSimulator {
        try configuration.validate()
        let engine = SharedSimulatorEngine(SimulatorEngine(configuration: configuration))
        let server = try await SimulatorServer.start(configuration: configuration, engine: engine, logger: logger)
        return SeguraSimulator(engine: engine, server: server)
    }

    /// The port the simulator listens on (the one picked when the configuration said 0).
    public var port: Int {
        self.server.port
    }

    /// `http://HOST:PORT`, or `https://…` when serving TLS; no trailing slash.
    public var baseURL: String {
        self.server.baseURL
    }

    /// Stops accepting, closes every open connection and releases the event loops; safe to call twice.
    public func shutdown() async throws {
        try await self.server.shutdown()
    }

    /// Puts an item in the store, changes its state, or (with `nil`) removes it so it is "not found".
    ///
    /// - Precondition: `state` is in `kind.supportedStates`; the reference documents no answer otherwise.
    public func setObject(_ kind: ObjectKind, id: Int, state: ObjectState?) {
        do {
            try self.engine.withLock { engine throws(SimulatorError) in
                try engine.setObject(kind, id: id, state: state)
            }
        } catch {
            preconditionFailure(error.description)
        }
    }

    /// The current state of an item, `nil` when it is "not found".
    public func objectState(_ kind: ObjectKind, id: Int) -> ObjectState? {
        self.engine.withLock { $0.objectState(kind, id: id) }
    }

    /// Grants or revokes the A2A authorization's PAM write permission.
    ///
    /// Revoked, every PAM operation answers `1039: Without PAM Configuration Access permission`; MySafe is
    /// authorized separately and is unaffected.
    public func setWritePermission(_ granted: Bool) {
        self.engine.withLock { $0.writePermission = granted }
    }

    /// Makes the next `times` requests selected by `route` fail with `fault`; `Int.max` keeps it until
    /// ``clearFaults()``. Faults queue in order: a request consumes the oldest one that matches.
    ///
    /// - Precondition: `times > 0`.
    public func injectFault(_ fault: Fault, on route: RouteMatcher, times: Int = 1) {
        self.engine.withLock { $0.injectFault(fault, on: route, times: times) }
    }

    /// Drops every pending fault.
    public func clearFaults() {
        self.engine.withLock { $0.clearFaults() }
    }

    /// Invalidates every issued token, as a Segura restart or an authorization change would: the next API call
    /// with an old token gets the configured ``InvalidTokenResponse``.
    public func revokeAllTokens() {
        self.engine.withLock { _ = $0.revokeAllTokens() }
    }

    /// A snapshot of the counters.
    public var stats: SimulatorStats {
        self.engine.withLock { $0.stats }
    }

    /// The operation calls that reached the simulator (those counted in ``SimulatorStats/apiCalls``), oldest
    /// first, with the time each one arrived; the most recent 100 000 are kept.
    public var calls: [SimulatorCall] {
        self.engine.withLock { $0.calls }
    }

    /// Sets every counter back to zero and empties ``calls``.
    public func resetStats() {
        self.engine.withLock { $0.resetStats() }
    }
}
