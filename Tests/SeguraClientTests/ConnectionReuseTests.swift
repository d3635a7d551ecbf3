import CurlHTTPClient
import GatewayVocabulary
import SeguraClient
import SeguraSimulator
import Testing
import TestSupport

/// Connection reuse, counted by the simulator's accepted-connection counter.
@Suite(.timeLimit(.minutes(5)))
struct ConnectionReuseTests {
    static let connectionLimit = 4

    static var pooled: CurlHTTPClient.Configuration {
        var configuration = CurlHTTPClient.Configuration()
        configuration.maxConnectionsPerHost = Self.connectionLimit
        return configuration
    }

    @Test func thousandSequentialOperationsStayWithinTheConnectionLimit() async throws {
        try await withSeguraClient(http: Self.pooled) { simulator, client in
            for index in 0..<1000 {
                let result = try await client.perform(.init(index.isMultiple(of: 2) ? .enable : .disable, .credential, id: 42))
                #expect(result.outcome.isSuccess)
            }
            #expect(simulator.stats.apiCalls == 1000)
            #expect(simulator.stats.acceptedConnections <= Self.connectionLimit)
            #expect(simulator.stats.acceptedConnections == 1, "sequential requests need only one connection")
        }
    }

    @Test func thousandOperationsAtConcurrency32StayWithinTheConnectionLimit() async throws {
        try await withSeguraClient(http: Self.pooled) { simulator, client in
            for id in 10_000..<10_007 {
                simulator.setObject(.password, id: id, state: .inactive)
            }
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for worker in 0..<32 {
                    group.addTask {
                        var allSucceeded = true
                        for index in stride(from: worker, to: 1000, by: 32) {
                            allSucceeded = try await client.perform(.init(.enable, .password, id: 10_000 + index % 7)).outcome.isSuccess && allSucceeded
                        }
                        return allSucceeded
                    }
                }
                for try await allSucceeded in group {
                    #expect(allSucceeded)
                }
            }
            #expect(simulator.stats.apiCalls == 1000)
            #expect(simulator.stats.acceptedConnections <= Self.connectionLimit)
        }
    }

    /// Above the default idle pool (32): every connection the limit allows must stay pooled, or each request
    /// beyond the pool would pay a new connection (a TLS handshake against a real Segura).
    @Test func sixtyFourConcurrentOperationsReuseSixtyFourConnections() async throws {
        var configuration = CurlHTTPClient.Configuration()
        configuration.maxConnectionsPerHost = 64
        try await withSeguraClient(http: configuration) { simulator, client in
            for worker in 0..<64 {
                simulator.setObject(.credential, id: 1_000 + worker, state: .inactive)
            }
            // Slow enough that all 64 workers overlap, so the pool really holds 64 connections at once.
            simulator.injectFault(.latency(.milliseconds(40)), on: .operation(), times: 64 * 25)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<64 {
                    group.addTask {
                        for index in 0..<25 {
                            let operation = SeguraOperation(index.isMultiple(of: 2) ? .enable : .disable, .credential, id: 1_000 + worker)
                            let result = try await client.perform(operation)
                            #expect(result.outcome.isSuccess)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(simulator.stats.apiCalls == 64 * 25)
            #expect(simulator.stats.acceptedConnections <= 64, "opened \(simulator.stats.acceptedConnections) connections for a limit of 64")
        }
    }
}
