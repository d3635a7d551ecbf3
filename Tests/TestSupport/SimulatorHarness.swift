import CurlHTTPClient
import SeguraSimulator

/// Runs `body` with a fresh simulator on a free loopback port and a client for it, then shuts both
/// down, whether `body` succeeds or throws.
public func withSimulator(
    _ simulatorConfiguration: SimulatorConfiguration = .init(),
    client clientConfiguration: CurlHTTPClient.Configuration = .init(),
    _ body: (SeguraSimulator, CurlHTTPClient) async throws -> Void
) async throws {
    let simulator = try await SeguraSimulator.start(simulatorConfiguration)
    let client: CurlHTTPClient
    do {
        client = try CurlHTTPClient(configuration: clientConfiguration)
    } catch {
        try await simulator.shutdown()
        throw error
    }
    do {
        try await body(simulator, client)
    } catch {
        await client.shutdown()
        try await simulator.shutdown()
        throw error
    }
    await client.shutdown()
    try await simulator.shutdown()
}

/// A valid client-credentials token request for the simulator's default client.
public func tokenRequest(_ simulator: SeguraSimulator) -> OutboundRequest {
    OutboundRequest(
        method: .post,
        url: simulator.baseURL + "/iso/oauth2/token",
        headers: [HTTPHeaderField("Content-Type", "application/x-www-form-urlencoded")],
        body: Array("grant_type=client_credentials&client_id=segura-gateway&client_secret=simulator-secret".utf8)
    )
}
