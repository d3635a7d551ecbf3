import ArgumentParser
import CurlHTTPClient
import Foundation
import GatewayVocabulary
import SeguraClient
import SeguraSimulator

/// Measures operations per second through ``SeguraClient`` and libcurl against the simulator, at
/// several concurrency levels in one run, so the figures can be compared with each other.
///
/// A benchmark, not a test: it asserts nothing and its numbers depend on the machine.
@main
struct ClientBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segura-client-bench",
        abstract: "Operations per second through the libcurl Segura client against the simulator."
    )

    @Option(help: "Operations per concurrency level.")
    var requests = 5000

    @Option(help: "Comma-separated concurrency levels.")
    var concurrency = "1,64"

    @Option(help: "Connections per host in the client's pool.")
    var connections = 8

    @Option(help: "Base URL of an already running simulator; by default one is started in this process.")
    var simulator: String?

    func run() async throws {
        let levels = self.concurrency.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let embedded = self.simulator == nil ? try await SeguraSimulator.start() : nil
        let baseURL = self.simulator ?? embedded!.baseURL
        var httpConfiguration = CurlHTTPClient.Configuration()
        httpConfiguration.maxConnectionsPerHost = self.connections
        let http = try CurlHTTPClient(configuration: httpConfiguration)
        let client = SeguraClient(
            configuration: .init(baseURL: baseURL, clientID: "segura-gateway", clientSecret: "simulator-secret"),
            http: http
        )
        // Warm up: token, connection pool, code paths.
        for _ in 0..<200 { _ = try await client.perform(.init(.enable, .password, id: 10)) }

        print("segura-client-bench: \(self.requests) operations per level, pool of \(self.connections) connections, simulator \(baseURL)")
        var baseline: Double?
        for level in levels {
            let openedBefore = http.statistics.connectionsOpened
            let (seconds, failures) = try await Self.measure(client: client, operations: self.requests, concurrency: level)
            let rate = Double(self.requests) / seconds
            baseline = baseline ?? rate
            let ratio = rate / baseline!
            print(
                String(
                    format: "concurrency %3d: %8.0f ops/s  (%.2fx of concurrency %d)  %.3f s  failures %d  new connections %d",
                    level, rate, ratio, levels[0], seconds, failures, http.statistics.connectionsOpened - openedBefore
                )
            )
        }
        if let embedded {
            print("simulator accepted \(embedded.stats.acceptedConnections) connections in total")
        }
        await http.shutdown()
        try await embedded?.shutdown()
    }

    /// Runs `operations` enable calls spread over `concurrency` workers; returns the wall time and failures.
    private static func measure(client: SeguraClient, operations: Int, concurrency: Int) async throws -> (Double, Int) {
        let start = ContinuousClock.now
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var failures = 0
                    for _ in stride(from: worker, to: operations, by: concurrency) {
                        if try await !client.perform(.init(.enable, .password, id: 10)).outcome.isSuccess { failures += 1 }
                    }
                    return failures
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, failures)
    }
}
