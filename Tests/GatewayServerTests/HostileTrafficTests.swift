import Foundation
import GatewayVocabulary
import GRDB
import GatewayAPI
import GatewayStore
@testable import GatewayServer
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SeguraClient
import SeguraSimulator
import ServiceLifecycle
import Testing
import TestSupport

/// What an unauthenticated or misbehaving client can cost the gateway: bounded time per connection, bounded
/// connections, bounded work in flight, and nothing written to the store per refused request.
@Suite(.timeLimit(.minutes(3)))
struct HostileTrafficTests {
    /// Short deadlines, so each test waits seconds, not minutes.
    static func tightLimits(_ configuration: inout GatewayConfiguration) {
        configuration.http.headerTimeout = .seconds(1)
        configuration.http.bodyTimeout = .seconds(1)
        configuration.http.idleTimeout = .seconds(2)
    }

    /// A gateway with no store in front of `simulator`, for tests that run it as `serve` does (``RunningGateway``).
    static func storelessConfiguration(_ simulator: SeguraSimulator) throws -> GatewayConfiguration {
        var configuration = GatewayConfiguration(
            http: .init(), segura: .init(baseURL: simulator.baseURL, clientID: "segura-gateway", clientSecret: "simulator-secret"),
            callers: [try TestCaller.jira.configuration()]
        )
        configuration.keepsDurableState = false
        return configuration
    }

    /// Sends `bytes` one at a time, `interval` apart, until the server closes the connection; returns how long
    /// that took (at most `limit`, when it never closes) and how many bytes it took.
    static func trickle(_ bytes: some Sequence<UInt8>, on connection: RawHTTPConnection, every interval: Duration, limit: Duration = .seconds(5)) async throws -> (Duration, Int) {
        let started = ContinuousClock.now
        var sent = 0
        for byte in bytes {
            guard !connection.peerHasClosed(), (try? connection.write(String(decoding: [byte], as: UTF8.self))) != nil else { break }
            sent += 1
            try await Task.sleep(for: interval)
            guard ContinuousClock.now - started < limit else { break }
        }
        while !connection.peerHasClosed(), ContinuousClock.now - started < limit {
            try await Task.sleep(for: .milliseconds(20))
        }
        return (ContinuousClock.now - started, sent)
    }

    @Test func aHeadTrickledByteByByteIsClosedAtTheHeaderDeadlineWhileSignedRequestsSucceed() async throws {
        try await withGateway(configure: Self.tightLimits) { gateway in
            let slow = try RawHTTPConnection(port: try #require(gateway.client.port))
            // One byte every 100 ms keeps the idle timer (2 s) from firing on its own; the head deadline (1 s) must.
            let head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + String(repeating: "a", count: 100)
            let (elapsed, sent) = try await Self.trickle(head.utf8, on: slow, every: .milliseconds(100))
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(3), "closed after \(elapsed)")
            #expect(sent < 25, "the connection accepted \(sent) bytes")
            #expect(try expectConforms(try await gateway.post(structured(duration: "PT1H"))).outcome == .applied)
            #expect(String(decoding: gateway.metrics.render(), as: UTF8.self).contains(#"segura_gateway_connection_timeouts_total{reason="header_timeout"} 1"#))
        }
    }

    @Test func aBodyThatTricklesIsClosedAtTheBodyDeadlineAndNothingActs() async throws {
        try await withGateway(configure: Self.tightLimits) { gateway in
            let body = structured(duration: "PT1H")
            let headers = try TestCaller.servicenow.sign(Array(body.utf8)).map { "\($0.name.rawName): \($0.value)\r\n" }.joined()
            let slow = try RawHTTPConnection(port: try #require(gateway.client.port))
            try slow.write("POST /v1/actions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n")
            let (elapsed, _) = try await Self.trickle(body.utf8.dropLast(), on: slow, every: .milliseconds(100))
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(3), "closed after \(elapsed)")
            #expect(gateway.simulator.stats.apiCalls == 0)
            #expect(String(decoding: gateway.metrics.render(), as: UTF8.self).contains(#"segura_gateway_connection_timeouts_total{reason="body_timeout"} 1"#))
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAtTheIdleTimeout() async throws {
        try await withGateway(configure: Self.tightLimits) { gateway in
            let idle = try RawHTTPConnection(port: try #require(gateway.client.port))
            #expect(try await idle.request("GET", "/healthz").status == 200)
            let (elapsed, _) = try await Self.trickle([], on: idle, every: .zero)
            #expect(elapsed >= .seconds(1) && elapsed < .seconds(5), "closed after \(elapsed)")
        }
    }

    /// Past the cap the gateway stops accepting: a new connection waits (in the kernel's backlog) until one of
    /// the open ones closes, and is then served.
    @Test func pastTheConnectionCapNewConnectionsWaitUntilOneCloses() async throws {
        let simulator = try await SeguraSimulator.start()
        var configuration = try Self.storelessConfiguration(simulator)
        configuration.http.maxConnections = 4
        let metrics = GatewayMetrics()
        let gateway = try await RunningGateway.start(configuration, metrics: metrics)
        let held = try (0..<4).map { _ in try RawHTTPConnection(port: gateway.port) }
        for connection in held { #expect(try await connection.request("GET", "/healthz").status == 200) }
        #expect(String(decoding: metrics.render(), as: UTF8.self).contains("segura_gateway_open_connections 4"))
        let waiting = try RawHTTPConnection(port: gateway.port)
        try waiting.write(RawHTTPConnection.format("GET", "/healthz"))
        try await Task.sleep(for: .milliseconds(500))
        #expect(!waiting.hasBufferedOrPendingData(), "a connection past the cap was served")
        let started = ContinuousClock.now
        held[0].close()
        #expect(try await waiting.readResponse().status == 200)
        #expect(ContinuousClock.now - started < .seconds(5))
        try await gateway.stop()
        try await simulator.shutdown()
    }

    /// Probes and metrics on their own listener keep answering while callers' connections are at the cap, and
    /// the unauthenticated `/metrics` is no longer served to callers.
    @Test func theOperationsListenerAnswersWhileTheMainListenerIsFull() async throws {
        let simulator = try await SeguraSimulator.start()
        var configuration = try Self.storelessConfiguration(simulator)
        configuration.http.maxConnections = 2
        configuration.operations = .init(port: 0)
        let gateway = try await RunningGateway.start(configuration)
        let operationsPort = try #require(gateway.operationsPort)
        let held = try (0..<2).map { _ in try RawHTTPConnection(port: gateway.port) }
        #expect(try await held[0].request("GET", "/metrics").status == 404)
        #expect(try await held[1].request("GET", "/healthz").status == 200)
        for path in ["/healthz", "/readyz", "/metrics"] {
            let response = try await RawHTTPConnection(port: operationsPort).request("GET", path)
            #expect(response.status == 200, "\(path)")
            if path == "/metrics" { #expect(response.body.contains("segura_gateway_open_connections 2")) }
            if path == "/readyz" { #expect(response.body.contains(#""status":"ready""#)) }
        }
        try await gateway.stop()
        try await simulator.shutdown()
    }

    /// 10,000 requests with a wrong MAC: each is a 401, none writes to the store one by one; the trail gets one
    /// summary record per error code instead.
    @Test func tenThousandBadSignaturesLeaveTheStoreAlmostUntouched() async throws {
        try await withGateway(configure: { $0.refusalSummaryInterval = .seconds(2) }) { gateway in
            _ = try await gateway.post(structured(duration: "PT1H"))
            let before = try checkpointedStoreBytes(gateway.storePath)
            let body = Array(structured(duration: "PT1H").utf8)
            for _ in 0..<10_000 {
                var headers = try TestCaller.servicenow.sign(body, secret: TestCaller.servicenow.wrongSecret)
                headers[.contentType] = "application/json"
                let response = try await gateway.client.execute(uri: "/v1/actions", method: .post, headers: headers, body: .init(bytes: body))
                guard response.status == .unauthorized else {
                    Issue.record("a bad MAC got \(response.status)")
                    return
                }
            }
            _ = try await gateway.post(structured(), as: nil)
            let store = try await SQLiteGatewayStore.open(path: gateway.storePath)
            let summaries = try await eventually("no refusal summary was written") { () -> [AuditEvent]? in
                var events: [AuditEvent] = []
                for try await record in store.auditRecords(since: nil, afterSequence: nil) where record.event.decision == .refusalsSummarized {
                    events.append(record.event)
                }
                return events.reduce(0) { $0 + $1.attempts } == 10_001 ? events : nil
            }
            // One record per code per window; the run spans several windows.
            let counted = Dictionary(summaries.map { ($0.errorCode?.rawValue ?? "", $0.attempts) }, uniquingKeysWith: +)
            #expect(counted == ["signature_mismatch": 10_000, "missing_signature": 1])
            #expect(summaries.allSatisfy { $0.caller == nil && $0.occurredAt >= $0.receivedAt })
            let grown = try checkpointedStoreBytes(gateway.storePath) - before
            #expect(grown < 16 * 1024, "the store grew by \(grown) bytes for 10,001 refused requests")
            #expect(try await store.verifyAuditChain().isIntact)
            try await store.close()
        }
    }

    @Test func pastTheInFlightLimitASignedRequestGets503WithRetryAfter() async throws {
        try await withGateway(configure: { $0.http.maxRequestsInFlight = 2 }) { gateway in
            gateway.simulator.injectFault(.latency(.seconds(1)), on: .operation(), times: 2)
            let port = try #require(gateway.client.port)
            let statuses = try await withThrowingTaskGroup(of: RawHTTPResponse.self) { group in
                for id in [41, 42] {
                    group.addTask { try await gateway.raw("POST", "/v1/actions", body: structured(id: id, duration: "PT1H")) }
                }
                try await Task.sleep(for: .milliseconds(300))
                let shed = try await RawHTTPConnection(port: port).request(
                    "POST", "/v1/actions", headers: try TestCaller.servicenow.sign(Array(structured(id: 41).utf8)).map { ($0.name.rawName, $0.value) } + [("Content-Type", "application/json")],
                    body: structured(id: 41)
                )
                #expect(shed.status == 503)
                #expect(shed.header("Retry-After") == "1")
                #expect(shed.body.contains(#""code":"gateway_overloaded""#))
                var statuses: [Int] = []
                for try await response in group { statuses.append(response.status) }
                return statuses
            }
            #expect(statuses == [200, 200])
            #expect(gateway.simulator.stats.apiCalls == 2)
        }
    }

    @Test func aCallerPastItsRateLimitGets429AndOthersAreUnaffected() async throws {
        try await withGateway(configure: { configuration in
            let index = try #require(configuration.callers.firstIndex { $0.name == TestCaller.servicenow.rawValue })
            configuration.callers[index].rateLimit = .init(requestsPerSecond: 1.0 / 60, burst: 2)
        }) { gateway in
            #expect(try await gateway.post(structured(duration: "PT1H")).status == .ok)
            #expect(try await gateway.post(structured(duration: "PT1H")).status == .ok)
            let limited = try await gateway.post(structured(duration: "PT1H"))
            #expect(limited.status == .tooManyRequests)
            let refusal = try expectConforms(limited)
            #expect(refusal.error?.code == .rateLimited)
            #expect(refusal.detail == "this caller may send 2 requests at once and 1 a minute")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter > 30 && retryAfter <= 60)
            #expect(try await gateway.post(structured(duration: "PT1H"), as: .github).status == .ok)
            #expect(gateway.simulator.stats.apiCalls == 3)
        }
    }
}

/// The bytes of a SQLite store once its write-ahead log is checkpointed into it and truncated: what the
/// store holds, not how much log SQLite keeps around between checkpoints.
func checkpointedStoreBytes(_ path: String) throws -> Int {
    let file = try DatabaseQueue(path: path)
    try file.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    try file.close()
    return ["", "-wal"].reduce(0) { total, suffix in
        total + ((try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? 0)
    }
}

extension AuditVerification {
    var isIntact: Bool {
        if case .intact = self { return true }
        return false
    }
}
