import ArgumentParser
import GatewaySecurity
import GatewayServer
import Hummingbird
import Logging
import SeguraClient

/// `segura-gateway serve --config FILE`: run the gateway.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the gateway with a configuration file.")

    @Option(name: .shortAndLong, help: "The YAML configuration file.")
    var config: String

    func run() async throws {
        let configuration = try await loadOrExplain(self.config)
        bootstrapLogging(level: configuration.logLevel)
        let logger = Logger(label: "segura.gateway")
        let app = try await buildApplication(configuration: configuration, logger: logger)
        try await app.runService()
    }
}

/// `segura-gateway check-config FILE`: validate a configuration and explain every problem.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; print every problem with its key path."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() async throws {
        let configuration = try await loadOrExplain(self.file)
        print("\(self.file): OK")
        print("  listen: \(configuration.http.host):\(configuration.http.port), body limit \(configuration.http.maxBodyBytes) bytes")
        print("  segura: \(configuration.segura.baseURL) (API prefix \(configuration.segura.apiPrefix), token \(configuration.segura.tokenPath))")
        for caller in configuration.callers {
            print("  caller \(caller.name): \(caller.verifier.scheme.rawValue), actions \(caller.policy.allowedActions.map(\.rawValue).sorted()), kinds \(caller.policy.allowedKinds.map(\.rawValue).sorted())")
        }
    }
}

/// Loads a configuration, or prints every problem to standard error and exits with status 2.
func loadOrExplain(_ path: String) async throws -> GatewayConfiguration {
    do {
        return try await GatewayConfigurationLoader.load(path: path)
    } catch let error as ConfigurationError {
        printToStandardError("\(path): \(error)")
        throw ExitCode(2)
    }
}

/// Sends logs to standard error as JSON lines, at `level`. Called once, here in the executable only.
func bootstrapLogging(level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        var handler = JSONLogHandler(label: label)
        handler.logLevel = level
        return handler
    }
}
