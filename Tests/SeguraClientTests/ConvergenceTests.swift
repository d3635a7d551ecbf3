import CurlHTTPClient
import GatewayVocabulary
import SeguraClient
import SeguraSimulator
import Testing
import TestSupport

/// Retries, injected faults, deadlines and cancellation.
@Suite(.timeLimit(.minutes(2)))
struct ConvergenceTests {
    @Test(arguments: [Fault.kongBadGateway, .kongServiceUnavailable, .kongGatewayTimeout, .connectionReset, .requestTimedOut, .rateLimited(retryAfterSeconds: 0)])
    func aTransientFaultIsRetriedUntilApplied(_ fault: Fault) async throws {
        try await withSeguraClient { simulator, client in
            simulator.injectFault(fault, on: .operation(.credential, .enable, id: 42), times: 1)
            let result = try await client.perform(.init(.enable, .credential, id: 42))
            #expect(result.outcome == .applied)
            #expect(result.failure == nil)
            #expect(simulator.stats.apiCalls == 2)
            // libcurl itself re-sends a request once, on a fresh connection, when a *reused* connection dies
            // before any response byte; the client then sees one attempt where Segura saw two.
            #expect(fault == .connectionReset ? (1...2).contains(result.attempts) : result.attempts == 2)
            #expect(simulator.objectState(.credential, id: 42) == .active)
        }
    }

    @Test func appliedThenTimedOutConvergesOnTheRetry() async throws {
        try await withSeguraClient { simulator, client in
            simulator.setObject(.credential, id: 42, state: .inactive)
            simulator.injectFault(.applyThenGatewayTimeout, on: .operation(.credential, .enable, id: 42), times: 1)
            let result = try await client.perform(.init(.enable, .credential, id: 42))
            // Attempt 1: Segura applied the change but Kong answered 504 (unknown).
            // Attempt 2: 1043 "already activated", which after an uncertain attempt means our change took.
            #expect(result.outcome == .applied)
            #expect(result.convergedAfterUncertainAttempt)
            #expect(result.attempts == 2)
            #expect(result.upstream.seguraCode == 1043)
            #expect(simulator.stats.appliedChanges == 1)
        }
    }

    @Test func alreadyInStateWithoutAnUncertainAttemptIsReportedAsSuch() async throws {
        try await withSeguraClient { simulator, client in
            simulator.setObject(.credential, id: 42, state: .active)
            let result = try await client.perform(.init(.enable, .credential, id: 42))
            #expect(result.outcome == .alreadyInState)
            #expect(!result.convergedAfterUncertainAttempt)
            #expect(result.attempts == 1)
        }
    }

    @Test func latencyWithinTheDeadlineStillSucceeds() async throws {
        try await withSeguraClient { simulator, client in
            simulator.injectFault(.latency(.milliseconds(300)), on: .operation(), times: 1)
            let result = try await client.perform(.init(.disable, .password, id: 11))
            #expect(result.outcome == .applied)
            #expect(result.latency >= .milliseconds(300))
        }
    }

    @Test func garbageIsAnUnknownOutcomeAndNotRetried() async throws {
        try await withSeguraClient { simulator, client in
            simulator.injectFault(.garbageBody, on: .operation(), times: 1)
            let result = try await client.perform(.init(.enable, .credential, id: 42))
            #expect(result.outcome == .unknown)
            #expect(result.failure?.code == .upstreamInvalidResponse)
            #expect(result.attempts == 1)
        }
    }

    @Test func persistentFailureStopsAtTheDeadline() async throws {
        try await withSeguraClient(configure: { configuration in
            // The last attempt starts with at least 750 ms left: a 503 answered late by a loaded machine must not
            // be cut off by the deadline, which would make the outcome unknown instead of not applied.
            configuration.retry = fastRetry(maxAttempts: 1000, deadline: .seconds(3))
            configuration.retry.maxBackoff = .milliseconds(100)
            configuration.retry.minimumAttemptTime = .milliseconds(750)
        }) { simulator, client in
            simulator.injectFault(.kongServiceUnavailable, on: .operation(), times: Int.max)
            let result = try await client.perform(.init(.enable, .credential, id: 42))
            #expect(result.outcome == .notApplied)
            #expect(result.failure?.code == .upstreamUnavailable)
            #expect(result.failure?.retryable == true)
            #expect(result.attempts >= 2, "it retried")
            #expect(result.attempts < 1000, "it stopped at the deadline, not at maxAttempts")
            // It stops once less than backoff + minimumAttemptTime (at most 850 ms) is left, and never runs past it.
            #expect(result.latency >= .milliseconds(2150), "it did not give up early")
            #expect(result.latency < .milliseconds(4000), "it stopped near the 3 s deadline (slack for a loaded machine)")
            #expect(simulator.objectState(.credential, id: 42) == .inactive)
        }
    }

    @Test func aSlowUpstreamIsCutOffByTheDeadline() async throws {
        try await withSeguraClient(configure: { $0.retry = fastRetry(deadline: .milliseconds(500)) }) { simulator, client in
            simulator.injectFault(.latency(.seconds(5)), on: .operation(), times: Int.max)
            let result = try await client.perform(.init(.enable, .credential, id: 42))
            #expect(result.outcome == .unknown)
            #expect(result.failure?.code == .upstreamTimeout)
            #expect(result.latency < .seconds(2))
        }
    }

    @Test func aTokenRenewedMidOperationStaysWithinTheDeadline() async throws {
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.tokenLifetime = .seconds(2)
        try await withSeguraClient(
            simulator: simulatorConfiguration, configure: { $0.retry = fastRetry(maxAttempts: 1000, deadline: .seconds(4)) }
        ) { simulator, client in
            #expect(try await client.perform(.init(.enable, .credential, id: 41)).outcome.isSuccess)
            // Every attempt now fails and is retried; 1.8 s in, the cached token is due for renewal, and the
            // token endpoint hangs. The renewal may use what is left of the 4 s, not 4 s of its own (5.8 s).
            simulator.injectFault(.kongServiceUnavailable, on: .operation(), times: Int.max)
            simulator.injectFault(.latency(.seconds(10)), on: .token, times: Int.max)
            let result = try await client.perform(.init(.enable, .credential, id: 42))
            #expect(result.outcome == .notApplied)
            #expect(result.failure?.code == .upstreamTimeout)
            #expect(result.latency < .seconds(5), "the operation outlived its 4 s deadline")
        }
    }

    @Test func unreachableSeguraIsNotAppliedAndRetried() async throws {
        let http = try CurlHTTPClient()
        let refusing = try RefusingLoopbackPort()
        var configuration = SeguraClient.Configuration(baseURL: "http://127.0.0.1:\(refusing.port)", clientID: "a", clientSecret: "b")
        configuration.retry = fastRetry(maxAttempts: 3)
        let result = try await SeguraClient(configuration: configuration, http: http).perform(.init(.enable, .credential, id: 42))
        #expect(result.outcome == .notApplied)
        #expect(result.failure?.code == .upstreamUnreachable)
        #expect(result.upstream.source == .transport)
        withExtendedLifetime(refusing) {}
        await http.shutdown()
    }

    @Test func cancellationStopsTheOperation() async throws {
        try await withSeguraClient { simulator, client in
            simulator.injectFault(.latency(.seconds(20)), on: .operation(), times: Int.max)
            let task = Task { try await client.perform(.init(.enable, .credential, id: 42)) }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            await #expect(throws: CancellationError.self) { _ = try await task.value }
        }
    }

    @Test func legacyIsoPrefixReachesTheSameOperations() async throws {
        try await withSeguraClient(configure: { $0.apiPrefix = "/iso" }) { simulator, client in
            let result = try await client.perform(.init(.enable, .device, id: 20))
            #expect(result.outcome == .applied)
            #expect(simulator.objectState(.device, id: 20) == .active)
        }
    }
}
