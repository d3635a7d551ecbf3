import ArgumentParser
import Foundation
import Logging
import SeguraSimulator

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `segura-simulator`: runs the Segura + Kong simulator until SIGINT or SIGTERM, for the demo, scripts and
/// benchmarks. Prints exactly one line to stdout once it accepts connections; everything else goes to stderr.
@main
struct SeguraSimulatorCommand: AsyncParsableCommand {
    /// The name, abstract and discussion shown by `--help`.
    static let configuration = CommandConfiguration(
        commandName: "segura-simulator",
        abstract: "A faithful simulator of Segura's A2A REST API behind Kong, with fault injection.",
        discussion: """
            Once ready it prints 'segura-simulator listening on <URL>' to stdout. Steer it through the control \
            API under /_simulator/ (stats, objects, faults, tokens/revoke, write-permission).
            """
    )

    @Option(help: "The address to bind.")
    var host = "127.0.0.1"

    @Option(help: "The port to bind (0 picks a free one).")
    var port = 8090

    @Option(help: "The OAuth 2.0 client id the token endpoint accepts.")
    var clientID = SimulatorConfiguration().clientID

    @Option(
        help: ArgumentHelp(
            "The OAuth 2.0 client secret (default: $SEGURA_SIMULATOR_CLIENT_SECRET, else a built-in one).",
            valueName: "secret"
        )
    )
    var clientSecret: String?

    @Option(help: "Token lifetime in seconds, reported as expires_in and enforced.")
    var tokenLifetime = 3600

    @Option(
        name: .customLong("token-path"), help: "A token endpoint path; repeat for several (default: /iso/oauth2/token)."
    )
    var tokenPaths: [String] = []

    @Option(help: "PEM certificate chain; with --tls-key, serve HTTPS.")
    var tlsCert: String?

    @Option(help: "PEM private key; with --tls-cert, serve HTTPS.")
    var tlsKey: String?

    @Option(help: "The answer to an invalid bearer token: kong-404 (Kong's 'no Route matched') or unauthorized (401).")
    var invalidTokenResponse: InvalidTokenResponseOption = .kong404

    @Option(help: "A JSON file with an array of {\"kind\",\"id\",\"state\"} objects replacing the demo seed.")
    var seed: String?

    @Option(
        help: "The log level on stderr (trace, debug, info, notice, warning, error, critical).",
        transform: { text in
            guard let level = Logger.Level(rawValue: text) else {
                throw ValidationError("unknown log level '\(text)'")
            }
            return level
        }
    )
    var logLevel: Logger.Level = .info

    /// Rejects option combinations that cannot work, before anything starts.
    func validate() throws {
        guard (self.tlsCert == nil) == (self.tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        guard self.tokenLifetime > 0 else {
            throw ValidationError("--token-lifetime must be positive")
        }
    }

    /// Starts the simulator, announces it on stdout and serves until SIGINT or SIGTERM.
    func run() async throws {
        let level = self.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "segura-simulator")

        // Catch the signals before announcing readiness: a script may signal right after the line.
        let signals = TerminationSignals()
        let simulator = try await SeguraSimulator.start(try self.makeConfiguration(), logger: logger)
        FileHandle.standardOutput.write(Data("segura-simulator listening on \(simulator.baseURL)\n".utf8))
        logger.info("ready", metadata: ["url": "\(simulator.baseURL)"])

        let signal = await signals.next()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        try await simulator.shutdown()
    }

    private func makeConfiguration() throws -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        configuration.host = self.host
        configuration.port = self.port
        configuration.clientID = self.clientID
        if let secret = self.clientSecret ?? ProcessInfo.processInfo.environment["SEGURA_SIMULATOR_CLIENT_SECRET"] {
            configuration.clientSecret = secret
        }
        configuration.tokenLifetime = .seconds(self.tokenLifetime)
        if !self.tokenPaths.isEmpty {
            configuration.tokenPaths = self.tokenPaths
        }
        if let certificate = self.tlsCert, let key = self.tlsKey {
            configuration.tls = TLSFiles(certificateChainPath: certificate, privateKeyPath: key)
        }
        configuration.invalidTokenResponse = self.invalidTokenResponse.value
        if let seed = self.seed {
            let data = try Data(contentsOf: URL(fileURLWithPath: seed))
            configuration.objects = try JSONDecoder().decode([SimulatedObject].self, from: data)
        }
        return configuration
    }
}

/// The command-line spelling of ``InvalidTokenResponse``.
enum InvalidTokenResponseOption: String, ExpressibleByArgument, CaseIterable {
    /// ``InvalidTokenResponse/kongNoRoute``.
    case kong404 = "kong-404"
    /// ``InvalidTokenResponse/unauthorized``.
    case unauthorized

    /// The library value this option stands for.
    var value: InvalidTokenResponse {
        switch self {
        case .kong404: .kongNoRoute
        case .unauthorized: .unauthorized
        }
    }
}
