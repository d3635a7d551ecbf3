import CurlHTTPClient
import SeguraClient
import SeguraSimulator
import TestSupport

/// A retry policy that keeps failure tests fast: short backoff, few attempts, a short deadline.
func fastRetry(maxAttempts: Int = 3, deadline: Duration = .seconds(5)) -> RetryPolicy {
    var policy = RetryPolicy()
    policy.maxAttempts = maxAttempts
    policy.initialBackoff = .milliseconds(10)
    policy.maxBackoff = .milliseconds(50)
    policy.deadline = deadline
    return policy
}

/// Runs `body` with a simulator and a ``SeguraClient`` pointed at it.
func withSeguraClient(
    simulator simulatorConfiguration: SimulatorConfiguration = .init(),
    http httpConfiguration: CurlHTTPClient.Configuration = .init(),
    configure: (inout SeguraClient.Configuration) -> Void = { $0.retry = fastRetry() },
    _ body: (SeguraSimulator, SeguraClient) async throws -> Void
) async throws {
    try await withSimulator(simulatorConfiguration, client: httpConfiguration) { simulator, http in
        var configuration = SeguraClient.Configuration(
            baseURL: simulator.baseURL,
            clientID: simulatorConfiguration.clientID,
            clientSecret: simulatorConfiguration.clientSecret
        )
        configure(&configuration)
        try await body(simulator, SeguraClient(configuration: configuration, http: http))
    }
}
