@testable import CurlHTTPClient
import Foundation
import Logging
import SeguraSimulator
import Testing
import TestSupport

/// The libcurl client against the Segura simulator over real loopback HTTP.
@Suite(.timeLimit(.minutes(2)))
struct CurlHTTPClientTests {
    @Test func getReturnsStatusHeadersAndBody() async throws {
        try await withSimulator { simulator, client in
            let response = try await client.execute(OutboundRequest(method: .get, url: simulator.baseURL + "/_simulator/stats"))
            #expect(response.status == 200)
            #expect(response.headers.first(named: "content-type")?.hasPrefix("application/json") == true)
            let stats = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            #expect(stats?["accepted_connections"] as? Int == 1)
        }
    }

    @Test func postSendsTheBodyAndHeaders() async throws {
        try await withSimulator { simulator, client in
            let response = try await client.execute(
                OutboundRequest(
                    method: .post,
                    url: simulator.baseURL + "/iso/oauth2/token",
                    headers: [HTTPHeaderField("Content-Type", "application/x-www-form-urlencoded")],
                    body: Array("grant_type=client_credentials&client_id=segura-gateway&client_secret=simulator-secret".utf8)
                )
            )
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self).contains("\"access_token\""))
            #expect(simulator.stats.tokensIssued == 1)
        }
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        try await withSimulator { simulator, client in
            for _ in 0..<50 {
                _ = try await client.execute(OutboundRequest(method: .get, url: simulator.baseURL + "/_simulator/stats"))
            }
            #expect(simulator.stats.acceptedConnections == 1)
            #expect(client.statistics == .init(completedTransfers: 50, connectionsOpened: 1))
        }
    }

    @Test func totalTimeoutAfterSendingIsReportedAsTimeout() async throws {
        var configuration = CurlHTTPClient.Configuration()
        configuration.requestTimeout = .milliseconds(300)
        try await withSimulator(client: configuration) { simulator, client in
            simulator.injectFault(.latency(.seconds(3)), on: .token)
            let error = try await #require(throws: OutboundClientError.self) {
                _ = try await client.execute(tokenRequest(simulator))
            }
            #expect(error == .timeout)
            #expect(error.requestWasSent)
            #expect(error.curlCode == 28)
        }
    }

    @Test func refusedConnectionIsAConnectFailureThatSentNothing() async throws {
        let client = try CurlHTTPClient()
        defer { Task { await client.shutdown() } }
        let refusing = try RefusingLoopbackPort()
        let error = try await #require(throws: OutboundClientError.self) {
            _ = try await client.execute(OutboundRequest(method: .put, url: "http://127.0.0.1:\(refusing.port)/api/pam/credential/1"))
        }
        #expect(error == .connectFailure)
        #expect(!error.requestWasSent)
        withExtendedLifetime(refusing) {}
        await client.shutdown()
    }

    @Test func connectTimeoutWhenTheServerNeverAccepts() async throws {
        var configuration = CurlHTTPClient.Configuration()
        configuration.connectTimeout = .milliseconds(300)
        let client = try CurlHTTPClient(configuration: configuration)
        let listener = try FullBacklogListener()
        defer { listener.close() }
        let error = try await #require(throws: OutboundClientError.self) {
            _ = try await client.execute(OutboundRequest(method: .get, url: "http://127.0.0.1:\(listener.port)/"))
        }
        #expect(error == .connectTimeout)
        #expect(!error.requestWasSent)
        await client.shutdown()
    }

    @Test func resetDuringTransferIsAConnectionReset() async throws {
        try await withSimulator { simulator, client in
            simulator.injectFault(.connectionReset, on: .token, times: 3)
            let error = try await #require(throws: OutboundClientError.self) {
                _ = try await client.execute(tokenRequest(simulator))
            }
            #expect(error == .connectionReset)
            #expect(error.requestWasSent)
        }
    }

    @Test func oversizedResponseIsRefused() async throws {
        var configuration = CurlHTTPClient.Configuration()
        configuration.maxResponseBodySize = 16
        try await withSimulator(client: configuration) { simulator, client in
            let error = try await #require(throws: OutboundClientError.self) {
                _ = try await client.execute(tokenRequest(simulator))
            }
            #expect(error == .responseTooLarge)
        }
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        try await withSimulator { simulator, client in
            simulator.injectFault(.latency(.seconds(20)), on: .token)
            let started = ContinuousClock.now
            let task = Task { try await client.execute(tokenRequest(simulator)) }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            await #expect(throws: CancellationError.self) { _ = try await task.value }
            #expect(ContinuousClock.now - started < .seconds(5))
            // The client is still usable after a cancellation.
            #expect(try await client.execute(tokenRequest(simulator)).status == 200)
        }
    }

    @Test func cancellationBeforeTheRequestStartsThrowsAtOnce() async throws {
        try await withSimulator { simulator, client in
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await client.execute(tokenRequest(simulator))
            }
            await #expect(throws: CancellationError.self) { _ = try await task.value }
            #expect(simulator.stats.tokensIssued == 0)
        }
    }

    @Test func shutdownFailsInFlightAndLaterRequests() async throws {
        let simulator = try await SeguraSimulator.start()
        let client = try CurlHTTPClient()
        simulator.injectFault(.latency(.seconds(20)), on: .token)
        let inFlight = Task { try await client.execute(tokenRequest(simulator)) }
        try await Task.sleep(for: .milliseconds(200))
        await client.shutdown()
        await #expect(throws: OutboundClientError.shutdown) { _ = try await inFlight.value }
        await #expect(throws: OutboundClientError.shutdown) { _ = try await client.execute(tokenRequest(simulator)) }
        await client.shutdown()  // idempotent
        try await simulator.shutdown()
    }

    @Test func onlyHTTPAndHTTPSAreAllowed() async throws {
        let client = try CurlHTTPClient()
        await #expect(throws: OutboundClientError.invalidRequest) {
            _ = try await client.execute(OutboundRequest(method: .get, url: "file:///etc/passwd"))
        }
        await #expect(throws: OutboundClientError.invalidRequest) {
            _ = try await client.execute(OutboundRequest(method: .get, url: "http://127.0.0.1/", headers: [HTTPHeaderField("X-Injected", "a\r\nHost: evil")]))
        }
        await client.shutdown()
    }

    @Test(arguments: [
        (6, OutboundClientError.dnsFailure, false),
        (7, .connectFailure, false),
        (28, .connectTimeout, false),
        (60, .tlsFailure, false),
        (56, .connectionReset, true),
        (52, .connectionReset, true),
        (28, .timeout, true),
    ])
    func curlCodesAreClassified(curlCode: Int, expected: OutboundClientError, sent: Bool) {
        // DNS failure is checked here rather than over the wire: a real lookup would leave this machine.
        let error = OutboundClientError.classify(curlCode: curlCode, detail: "", requestWasSent: sent, exceededBodyLimit: false)
        #expect(error == expected)
        #expect(error.requestWasSent == sent)
        #expect(error.shortDescription == expected.shortDescription)
    }
}

/// TLS towards the simulator serving a certificate from a throw-away CA made with the `openssl` CLI.
@Suite(.timeLimit(.minutes(2)))
struct CurlHTTPClientTLSTests {
    @Test func verifiesAgainstTheConfiguredCAAndRejectsWithoutIt() async throws {
        let certificates = try await TestCertificates.generate()
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.tls = TLSFiles(certificateChainPath: certificates.serverCertificate, privateKeyPath: certificates.serverKey)
        let simulator = try await SeguraSimulator.start(simulatorConfiguration)
        #expect(simulator.baseURL.hasPrefix("https://"))

        var trusting = CurlHTTPClient.Configuration()
        trusting.tls.caFile = certificates.caCertificate
        let verified = try CurlHTTPClient(configuration: trusting)
        #expect(try await verified.execute(tokenRequest(simulator)).status == 200)

        let untrusting = try CurlHTTPClient()
        let error = try await #require(throws: OutboundClientError.self) {
            _ = try await untrusting.execute(tokenRequest(simulator))
        }
        #expect(error == .tlsFailure)
        #expect(!error.requestWasSent)

        var insecure = CurlHTTPClient.Configuration()
        insecure.tls.insecureSkipVerification = true
        let logs = LogCapture()
        let lab = try CurlHTTPClient(configuration: insecure, logger: logs.logger())
        #expect(try await lab.execute(tokenRequest(simulator)).status == 200)
        #expect(logs.messages(atLeast: .warning).contains { $0.contains("TLS certificate verification is OFF") })
        let quiet = LogCapture()
        let verifiedAgain = try CurlHTTPClient(configuration: trusting, logger: quiet.logger())
        #expect(quiet.messages(atLeast: .warning).isEmpty, "no warning when verification is on")
        await verifiedAgain.shutdown()

        for client in [verified, untrusting, lab] { await client.shutdown() }
        try await simulator.shutdown()
        try? FileManager.default.removeItem(atPath: certificates.directory)
    }
}
