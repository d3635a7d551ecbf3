import ArgumentParser
import CurlHTTPClient
import Foundation
import Logging
import SeguraClient
import SeguraSimulator

/// `segura-gateway demo`: the embedded defaults, with nothing to configure.
///
/// It starts the Segura simulator in this process on loopback and drives the libcurl Segura client
/// through a tour of documented behaviours: a change, an "already in state" answer, a Kong 504 after
/// the change was applied (which converges on retry), and a missing object. Each result is printed
/// in the client's normalized form.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the Segura client against the built-in Segura simulator and show normalized results."
    )

    @Option(help: "Port for the embedded simulator (0 picks a free one).")
    var port = 0

    func run() async throws {
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.port = self.port
        let simulator = try await SeguraSimulator.start(simulatorConfiguration, logger: Logger(label: "segura.simulator"))
        let http = try CurlHTTPClient()
        let client = SeguraClient(
            configuration: .init(
                baseURL: simulator.baseURL,
                clientID: simulatorConfiguration.clientID,
                clientSecret: simulatorConfiguration.clientSecret
            ),
            http: http
        )
        print("Segura simulator listening on \(simulator.baseURL)\n")

        let tour: [(String, SeguraOperation, () -> Void)] = [
            ("enable an inactive credential", .init(.enable, .credential, id: 42), {}),
            ("enable it again (Segura answers 400 1043)", .init(.enable, .credential, id: 42), {}),
            ("disable it; Kong answers 504 after Segura applied it", .init(.disable, .credential, id: 42), {
                simulator.injectFault(.applyThenGatewayTimeout, on: .operation(.credential, .disable, id: 42))
            }),
            ("enable a MySafe password that is already active", .init(.enable, .password, id: 11), {}),
            ("disable a credential that does not exist", .init(.disable, .credential, id: 999), {}),
        ]
        for (title, operation, prepare) in tour {
            prepare()
            let result = try await client.perform(operation)
            print("▸ \(title): \(operation)")
            print("  outcome=\(result.outcome.rawValue) attempts=\(result.attempts) code=\(result.failure?.code.rawValue ?? "-")", terminator: "")
            print(" upstream=\(result.upstream.source.rawValue) \(result.upstream.httpStatus.map(String.init) ?? "-") \(result.upstream.message ?? "")")
        }
        print("\nSimulator stats: \(simulator.stats.apiCalls) API calls, \(simulator.stats.tokensIssued) token, \(simulator.stats.acceptedConnections) connection(s)")
        await http.shutdown()
        try await simulator.shutdown()
    }
}
