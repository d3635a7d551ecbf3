import Foundation
import Logging
import Testing
import TestSupport

@testable import SeguraSimulator

/// The simulator over a real loopback socket: framing, keep-alive, connection counting, delays, resets, TLS.
@Suite("Loopback server")
struct LoopbackTests {
    private static let tokenBody =
        "grant_type=client_credentials&client_id=segura-gateway&client_secret=simulator-secret"
    private static let formHeader = [("Content-Type", "application/x-www-form-urlencoded")]

    /// Starts a simulator, runs `body` and always shuts the simulator down.
    private func withSimulator(
        _ configuration: SimulatorConfiguration = .init(),
        _ body: (SeguraSimulator) async throws -> Void
    ) async throws {
        let simulator = try await SeguraSimulator.start(
            configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await body(simulator)
        } catch {
            try await simulator.shutdown()
            throw error
        }
        try await simulator.shutdown()
    }

    private func token(on connection: RawHTTPConnection) async throws -> String {
        let response = try await connection.request(
            "POST", "/iso/oauth2/token", headers: Self.formHeader, body: Self.tokenBody)
        #expect(response.status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return try #require(json?["access_token"] as? String)
    }

    @Test("port 0 picks a free port and baseURL names it")
    func baseURL() async throws {
        try await self.withSimulator { simulator in
            #expect(simulator.port > 0)
            #expect(simulator.baseURL == "http://127.0.0.1:\(simulator.port)")
        }
    }

    @Test("several requests on one connection are answered in turn: one accepted connection")
    func keepAlive() async throws {
        try await self.withSimulator { simulator in
            let connection = try RawHTTPConnection(port: simulator.port)
            let token = try await self.token(on: connection)
            let bearer = [("Authorization", "Bearer \(token)")]
            let enable = try await connection.request("PUT", "/api/pam/credential/42", headers: bearer)
            #expect(enable.status == 200)
            #expect(enable.body.contains("Credential successfully activated"))
            #expect(enable.header("Content-Length") == String(enable.body.utf8.count))
            #expect(enable.header("Connection") == "keep-alive")
            let again = try await connection.request("PUT", "/iso/pam/credential/42", headers: bearer)
            #expect(again.status == 400)
            let disable = try await connection.request("DELETE", "/api/pam/credential/42", headers: bearer)
            #expect(disable.status == 200)
            let noRoute = try await connection.request("GET", "/nowhere")
            #expect(noRoute.status == 404)
            #expect(noRoute.header("Server") == "kong/3.4.2")

            let stats = simulator.stats
            #expect(stats.acceptedConnections == 1)
            #expect(stats.tokensIssued == 1)
            #expect(stats.apiCalls == 3)
            #expect(stats.appliedChanges == 2)
            #expect(stats.callsByOperation == ["enable credential 42": 2, "disable credential 42": 1])
        }
    }

    @Test("pipelined requests are answered in order, even when the first one is delayed")
    func pipelining() async throws {
        try await self.withSimulator { simulator in
            simulator.injectFault(.latency(.milliseconds(200)), on: .token)
            let connection = try RawHTTPConnection(port: simulator.port)
            try connection.write(
                RawHTTPConnection.format("POST", "/iso/oauth2/token", headers: Self.formHeader, body: Self.tokenBody)
                    + RawHTTPConnection.format("GET", "/nowhere")
            )
            let first = try await connection.readResponse()
            let second = try await connection.readResponse()
            #expect(first.status == 200)
            #expect(first.header("X-Kong-Upstream-Latency") == "200")
            #expect(second.status == 404)
        }
    }

    @Test("Connection: close is honoured: the answer says so and the server closes")
    func connectionClose() async throws {
        try await self.withSimulator { simulator in
            let connection = try RawHTTPConnection(port: simulator.port)
            let response = try await connection.request("GET", "/_simulator/stats", headers: [("Connection", "close")])
            #expect(response.status == 200)
            #expect(response.header("Connection") == "close")
            #expect(try await connection.readEnd() == .closed)
        }
    }

    @Test("connectionReset ends the connection with an RST and no response; the next connection works")
    func connectionReset() async throws {
        try await self.withSimulator { simulator in
            let first = try RawHTTPConnection(port: simulator.port)
            let token = try await self.token(on: first)
            simulator.injectFault(.connectionReset, on: .operation(.credential, .enable, id: 42))
            try first.write(
                RawHTTPConnection.format(
                    "PUT", "/api/pam/credential/42", headers: [("Authorization", "Bearer \(token)")])
            )
            #expect(try await first.readEnd() == .reset)
            #expect(simulator.objectState(.credential, id: 42) == .inactive)

            let second = try RawHTTPConnection(port: simulator.port)
            let retry = try await second.request(
                "PUT", "/api/pam/credential/42", headers: [("Authorization", "Bearer \(token)")])
            #expect(retry.status == 200)
            #expect(simulator.stats.acceptedConnections == 2)
            #expect(simulator.stats.apiCalls == 2)
        }
    }

    @Test("a delayed answer does not hold up other connections")
    func latencyIsNonBlocking() async throws {
        try await self.withSimulator { simulator in
            // 3 s, so a loaded machine answering the fast request late cannot be mistaken for blocking.
            simulator.injectFault(.latency(.seconds(3)), on: .token)
            let slow = try RawHTTPConnection(port: simulator.port)
            let start = ContinuousClock.now
            try slow.write(
                RawHTTPConnection.format("POST", "/iso/oauth2/token", headers: Self.formHeader, body: Self.tokenBody))
            let fast = try RawHTTPConnection(port: simulator.port)
            #expect(try await fast.request("GET", "/_simulator/stats").status == 200)
            #expect(ContinuousClock.now - start < .seconds(3))
            #expect(try await slow.readResponse().status == 200)
            #expect(ContinuousClock.now - start >= .seconds(3))
        }
    }

    @Test("overlapping calls are counted per item and in total, from arrival to answer")
    func concurrencyHighWaterMarks() async throws {
        try await self.withSimulator { simulator in
            let setup = try RawHTTPConnection(port: simulator.port)
            let bearer = [("Authorization", "Bearer \(try await self.token(on: setup))")]
            simulator.injectFault(.latency(.milliseconds(300)), on: .operation(), times: 3)
            let connections = try (0..<3).map { _ in try RawHTTPConnection(port: simulator.port) }
            // Two calls on credential 42 and one on 41, all sent before any is answered.
            let paths = ["/api/pam/credential/42", "/api/pam/credential/42", "/api/pam/credential/41"]
            for (connection, path) in zip(connections, paths) {
                try connection.write(RawHTTPConnection.format("PUT", path, headers: bearer))
            }
            for connection in connections { _ = try await connection.readResponse() }
            #expect(simulator.stats.maxConcurrentCallsPerItem == 2)
            #expect(simulator.stats.maxConcurrentCalls == 3)

            // One at a time: the marks do not move, and nothing is left counted as in flight.
            simulator.resetStats()
            _ = try await setup.request("DELETE", "/api/pam/credential/42", headers: bearer)
            _ = try await setup.request("DELETE", "/api/pam/credential/41", headers: bearer)
            #expect(simulator.stats.maxConcurrentCallsPerItem == 1)
            #expect(simulator.stats.maxConcurrentCalls == 1)
        }
    }

    @Test("the control API works over the wire")
    func controlAPI() async throws {
        try await self.withSimulator { simulator in
            let connection = try RawHTTPConnection(port: simulator.port)
            let put = try await connection.request("PUT", "/_simulator/objects/device/77", body: #"{"state":"active"}"#)
            #expect(put.status == 200)
            #expect(simulator.objectState(.device, id: 77) == .active)
            let fault = try await connection.request(
                "POST", "/_simulator/faults", body: #"{"fault":"kong_bad_gateway","route":"token"}"#)
            #expect(fault.status == 200)
            let token = try await connection.request(
                "POST", "/iso/oauth2/token", headers: Self.formHeader, body: Self.tokenBody)
            #expect(token.status == 502)
            let stats = try await connection.request("GET", "/_simulator/stats")
            let decoded = try JSONDecoder().decode(SimulatorStats.self, from: Data(stats.body.utf8))
            #expect(decoded.acceptedConnections == 1)
        }
    }

    @Test("shutdown closes idle keep-alive connections and can be called twice")
    func shutdown() async throws {
        let simulator = try await SeguraSimulator.start()
        let connection = try RawHTTPConnection(port: simulator.port)
        #expect(try await connection.request("GET", "/_simulator/stats").status == 200)
        try await simulator.shutdown()
        #expect(try await connection.readEnd() == .closed)
        try await simulator.shutdown()
        #expect(throws: RawHTTPError.self) { try RawHTTPConnection(port: simulator.port) }
    }

    @Test("shutdown does not wait for delayed answers")
    func shutdownWithPendingDelay() async throws {
        let simulator = try await SeguraSimulator.start()
        simulator.injectFault(.latency(.seconds(30)), on: .token)
        let connection = try RawHTTPConnection(port: simulator.port)
        try connection.write(
            RawHTTPConnection.format("POST", "/iso/oauth2/token", headers: Self.formHeader, body: Self.tokenBody))
        // Wait until the request has reached the engine, then stop.
        while simulator.stats.tokensIssued == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let start = ContinuousClock.now
        try await simulator.shutdown()
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(try await connection.readEnd() == .closed)
    }

    @Test("HTTPS with a certificate chained to a test CA verifies for IP 127.0.0.1")
    func tls() async throws {
        let certificates = try await TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        var configuration = SimulatorConfiguration()
        configuration.tls = TLSFiles(
            certificateChainPath: certificates.serverCertificate,
            privateKeyPath: certificates.serverKey
        )
        try await self.withSimulator(configuration) { simulator in
            #expect(simulator.baseURL == "https://127.0.0.1:\(simulator.port)")
            let output = try await OpenSSL.run(
                [
                    "s_client", "-connect", "127.0.0.1:\(simulator.port)", "-CAfile", certificates.caCertificate,
                    "-verify_return_error", "-verify_ip", "127.0.0.1", "-quiet", "-ign_eof",
                ],
                input: RawHTTPConnection.format("GET", "/_simulator/stats", headers: [("Connection", "close")])
            )
            #expect(output.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(output.contains(#""accepted_connections":1"#))

            // The reset bypasses TLS: no close_notify, the client reads ECONNRESET.
            simulator.injectFault(.connectionReset, on: .token)
            await #expect {
                try await OpenSSL.run(
                    [
                        "s_client", "-connect", "127.0.0.1:\(simulator.port)", "-CAfile", certificates.caCertificate,
                        "-quiet", "-ign_eof",
                    ],
                    input: RawHTTPConnection.format("POST", "/iso/oauth2/token")
                )
            } throws: { error in
                "\(error)".contains("errno=\(ECONNRESET)")
            }
        }
    }
}
