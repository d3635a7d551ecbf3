import GatewayVocabulary
import SeguraClient
import SeguraSimulator
import Testing
import TestSupport

/// OAuth 2.0 client credentials: caching, expiry, single flight and refresh on rejection.
@Suite(.timeLimit(.minutes(2)))
struct TokenTests {
    @Test func oneTokenServesManyOperations() async throws {
        try await withSeguraClient { simulator, client in
            for _ in 0..<20 {
                _ = try await client.perform(.init(.enable, .password, id: 10))
            }
            #expect(simulator.stats.tokensIssued == 1)
            #expect(simulator.stats.apiCalls == 20)
        }
    }

    @Test func basicClientAuthenticationIsAccepted() async throws {
        try await withSeguraClient(configure: { $0.clientAuthentication = .basic }) { simulator, client in
            let result = try await client.perform(.init(.enable, .credential, id: 42))
            #expect(result.outcome.isSuccess)
            #expect(simulator.stats.tokensIssued == 1)
        }
    }

    @Test func anExpiredTokenIsReplacedBeforeUse() async throws {
        var simulatorConfiguration = SimulatorConfiguration()
        // Two seconds: the client renews 200 ms (a tenth) before the end, and a loaded machine still uses each
        // token well within its life.
        simulatorConfiguration.tokenLifetime = .seconds(2)
        try await withSeguraClient(simulator: simulatorConfiguration) { simulator, client in
            _ = try await client.perform(.init(.enable, .password, id: 10))
            let issuedBefore = simulator.stats.tokensIssued
            try await Task.sleep(for: .milliseconds(2100))
            let result = try await client.perform(.init(.enable, .password, id: 10))
            #expect(result.outcome.isSuccess)
            #expect(result.attempts == 1, "the token was renewed before use, not after a rejection")
            #expect(simulator.stats.tokensIssued == issuedBefore + 1)
        }
    }

    @Test func concurrentCallersShareOneRefresh() async throws {
        var simulatorConfiguration = SimulatorConfiguration()
        // Long enough that the first 100 operations finish on one token even on a loaded machine.
        simulatorConfiguration.tokenLifetime = .seconds(5)
        try await withSeguraClient(simulator: simulatorConfiguration) { simulator, client in
            // Slow the token endpoint so all 100 callers arrive while the first refresh is in flight.
            simulator.injectFault(.latency(.milliseconds(300)), on: .token, times: Int.max)
            try await Self.performConcurrently(100, client)
            #expect(simulator.stats.tokensIssued == 1)
            try await Task.sleep(for: .milliseconds(5100))
            try await Self.performConcurrently(100, client)
            #expect(simulator.stats.tokensIssued == 2)
            #expect(simulator.stats.apiCalls == 200)
        }
    }

    private static func performConcurrently(_ count: Int, _ client: SeguraClient) async throws {
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            for _ in 0..<count {
                group.addTask { try await client.perform(.init(.enable, .password, id: 10)).outcome }
            }
            for try await outcome in group {
                #expect(outcome.isSuccess)
            }
        }
    }

    @Test(arguments: [InvalidTokenResponse.kongNoRoute, .unauthorized])
    func aRejectedTokenIsRefreshedOnceAndTheOperationRetried(_ response: InvalidTokenResponse) async throws {
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.invalidTokenResponse = response
        try await withSeguraClient(simulator: simulatorConfiguration) { simulator, client in
            _ = try await client.perform(.init(.enable, .password, id: 10))
            simulator.revokeAllTokens()
            let result = try await client.perform(.init(.enable, .credential, id: 42))
            #expect(result.outcome == .applied)
            #expect(result.attempts == 2)
            #expect(simulator.stats.tokensIssued == 2)
        }
    }

    @Test func wrongClientSecretFailsWithoutSendingTheOperation() async throws {
        try await withSeguraClient(configure: { $0.clientSecret = "not-the-secret" }) { simulator, client in
            let result = try await client.perform(.init(.enable, .credential, id: 42))
            #expect(result.outcome == .notApplied)
            #expect(result.failure?.code == .upstreamAuthenticationFailed)
            #expect(result.upstream.httpStatus == 401)
            #expect(result.attempts == 0)
            #expect(simulator.stats.apiCalls == 0)
            #expect(!(result.failure?.message.contains("not-the-secret") ?? true))
        }
    }

    @Test func tokenEndpointOutageIsRetriedAndReportedAsNotApplied() async throws {
        try await withSeguraClient { simulator, client in
            simulator.injectFault(.kongServiceUnavailable, on: .token, times: 1)
            let recovered = try await client.perform(.init(.enable, .credential, id: 42))
            #expect(recovered.outcome == .applied)
            simulator.revokeAllTokens()
            simulator.injectFault(.kongGatewayTimeout, on: .token, times: Int.max)
            let failed = try await client.perform(.init(.disable, .credential, id: 42))
            // A 504 from the token endpoint is not an unknown outcome: the operation was never sent.
            #expect(failed.outcome == .notApplied)
            #expect(failed.failure?.code == .upstreamTimeout)
        }
    }
}
