import CurlHTTPClient
import Foundation
import GatewayAPI
import GatewaySecurity
@testable import GatewayServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SeguraClient
import SeguraSimulator
import ServiceLifecycle
import Synchronization
import Testing

/// Graceful shutdown lets a request in flight finish.
@Suite(.timeLimit(.minutes(2)))
struct ShutdownTests {
    @Test func aRequestInFlightCompletesDuringGracefulShutdown() async throws {
        let simulator = try await SeguraSimulator.start()
        simulator.injectFault(.latency(.milliseconds(800)), on: .operation(), times: 1)
        var http = GatewayConfiguration.HTTP()
        http.port = 0
        var configuration = GatewayConfiguration(
            http: http,
            segura: .init(baseURL: simulator.baseURL, clientID: "segura-gateway", clientSecret: "simulator-secret"),
            callers: [try TestCaller.jira.configuration()]
        )
        configuration.storePath = temporaryStorePath()
        defer { removeStore(at: configuration.storePath) }
        let gateway = try await RunningGateway.start(configuration)
        let port = gateway.port

        let client = try CurlHTTPClient()
        let body = Array(structured().utf8)
        var headers = try TestCaller.jira.sign(body).map { HTTPHeaderField($0.name.rawName, $0.value) }
        headers.append(HTTPHeaderField("Content-Type", "application/json"))
        let inFlight = Task { try await client.execute(OutboundRequest(method: .post, url: "http://127.0.0.1:\(port)/v1/actions", headers: headers, body: body)) }
        try await Task.sleep(for: .milliseconds(300))
        let stopped = Task { try await gateway.stop() }

        let response = try await inFlight.value
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""outcome":"applied""#))
        try await stopped.value
        await client.shutdown()
        try await simulator.shutdown()
    }
}
