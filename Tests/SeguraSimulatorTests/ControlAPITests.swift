import Foundation
import Logging
import NIOHTTP1
import Testing
import TestSupport

@testable import SeguraSimulator

@Suite("Control API")
struct ControlAPITests {
    private func control(_ method: HTTPMethod, _ path: String, _ body: String = "") -> SimulatorRequest {
        SimulatorRequest(
            method, "/_simulator/\(path)", headers: ["Content-Type": "application/json"], body: Array(body.utf8))
    }

    @Test("stats come back as snake_case JSON and can be reset")
    func stats() throws {
        var harness = EngineHarness()
        harness.engine.recordAcceptedConnection()
        _ = try harness.perform(.credential, .enable, id: 42)
        let stats = harness.response(self.control(.GET, "stats"))
        #expect(stats.status == .ok)
        #expect(
            stats.body
                == #"{"accepted_connections":1,"api_calls":1,"applied_changes":1,"calls_by_operation":{"enable credential 42":1},"max_concurrent_calls":0,"max_concurrent_calls_per_item":0,"token_requests":1,"tokens_issued":1}"#
        )
        let decoded = try JSONDecoder().decode(SimulatorStats.self, from: Data(stats.body.utf8))
        #expect(decoded == harness.engine.stats)
        let reset = harness.response(self.control(.POST, "stats/reset"))
        #expect(reset.status == .ok)
        #expect(harness.engine.stats == SimulatorStats())
    }

    /// Now, as ``SimulatorCall/receivedAtMilliseconds`` counts it.
    private static func unixMilliseconds() -> Int64 {
        Int64((Date.now.timeIntervalSince1970 * 1000).rounded(.down))
    }

    @Test("operation calls are logged with their arrival time, answer and whether they applied")
    func calls() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        #expect(harness.response(.operation(.credential, .enable, id: 42, token: nil)).status == .notFound)
        let before = Self.unixMilliseconds()
        #expect(harness.response(.operation(.credential, .enable, id: 42, token: token)).status == .ok)
        let after = Self.unixMilliseconds()
        let again = harness.response(.operation(.credential, .enable, id: 42, token: token))
        #expect(again.body.contains("1043: Credential is already activated!"))

        let calls = harness.engine.calls
        try #require(calls.count == 2, "the token request and the unauthenticated call are not logged")
        #expect((before...after).contains(calls[0].receivedAtMilliseconds))
        #expect(
            calls[0]
                == SimulatorCall(
                    operation: "enable credential 42", kind: .credential, id: 42, action: .enable,
                    receivedAtMilliseconds: calls[0].receivedAtMilliseconds, status: 200, applied: true))
        #expect(calls[1].operation == "enable credential 42")
        #expect(calls[1].status == 400)
        #expect(!calls[1].applied)
        #expect(calls[0].receivedAtMilliseconds <= calls[1].receivedAtMilliseconds)
    }

    @Test("calls answered by a fault are logged with the fault's status")
    func faultedCalls() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        harness.engine.injectFault(.kongGatewayTimeout, on: .operation(.credential, .enable), times: 1)
        harness.engine.injectFault(.applyThenGatewayTimeout, on: .operation(.credential, .enable), times: 1)
        harness.engine.injectFault(.connectionReset, on: .operation(.credential, .disable), times: 1)
        for action: SimulatedAction in [.enable, .enable, .disable] {
            _ = harness.send(.operation(.credential, action, id: 42, token: token))
        }
        #expect(harness.engine.calls.map(\.status) == [504, 504, nil])
        #expect(harness.engine.calls.map(\.applied) == [false, true, false])
        #expect(harness.engine.stats.appliedChanges == 1)
    }

    @Test("the call log comes back as snake_case JSON and is emptied with the stats")
    func callsOverControlAPI() throws {
        var harness = EngineHarness()
        _ = try harness.perform(.credential, .disable, id: 42)
        let call = try #require(harness.engine.calls.first)
        let response = harness.response(self.control(.GET, "calls"))
        #expect(response.status == .ok)
        #expect(
            response.body
                == #"{"calls":[{"action":"disable","applied":false,"at_ms":\#(call.receivedAtMilliseconds),"id":42,"kind":"credential","operation":"disable credential 42","status":400}]}"#
        )
        let decoded = try JSONDecoder().decode([String: [SimulatorCall]].self, from: Data(response.body.utf8))
        #expect(decoded == ["calls": harness.engine.calls])
        _ = harness.response(self.control(.POST, "stats/reset"))
        #expect(harness.engine.calls.isEmpty)
        #expect(harness.response(self.control(.GET, "calls")).body == #"{"calls":[]}"#)
    }

    @Test("the call log keeps the most recent calls, oldest first")
    func callLogBound() {
        let calls = (1...5).map {
            SimulatorCall(
                operation: "enable device \($0)", kind: .device, id: $0, action: .enable,
                receivedAtMilliseconds: Int64($0), status: 200, applied: true)
        }
        var log = CallLog(capacity: 3)
        calls.prefix(2).forEach { log.append($0) }
        #expect(log.calls == Array(calls.prefix(2)))
        calls.dropFirst(2).forEach { log.append($0) }
        #expect(log.calls == Array(calls.suffix(3)))
    }

    @Test("over the wire a delayed call is logged when it arrived, and GET calls matches the façade")
    func callsOverTheWire() async throws {
        let simulator = try await SeguraSimulator.start(
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            let connection = try RawHTTPConnection(port: simulator.port)
            let tokenResponse = try await connection.request(
                "POST", "/iso/oauth2/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: "grant_type=client_credentials&client_id=segura-gateway&client_secret=simulator-secret")
            let json = try JSONSerialization.jsonObject(with: Data(tokenResponse.body.utf8)) as? [String: Any]
            let token = try #require(json?["access_token"] as? String)
            simulator.injectFault(.latency(.milliseconds(300)), on: .operation(.credential, .disable, id: 41))
            let sent = Self.unixMilliseconds()
            let disable = try await connection.request(
                "DELETE", "/api/pam/credential/41", headers: [("Authorization", "Bearer \(token)")])
            let answered = Self.unixMilliseconds()
            #expect(disable.status == 200)
            let call = try #require(simulator.calls.first)
            #expect(call.operation == "disable credential 41")
            #expect(call.applied)
            #expect(call.receivedAtMilliseconds >= sent)
            #expect(call.receivedAtMilliseconds + 300 <= answered, "the arrival, not the delayed answer")
            let listed = try await connection.request("GET", "/_simulator/calls")
            let decoded = try JSONDecoder().decode([String: [SimulatorCall]].self, from: Data(listed.body.utf8))
            #expect(decoded == ["calls": simulator.calls])
        } catch {
            try await simulator.shutdown()
            throw error
        }
        try await simulator.shutdown()
    }

    @Test("objects can be read, set and removed")
    func objects() {
        var harness = EngineHarness()
        #expect(
            harness.response(self.control(.GET, "objects/credential/42")).body
                == #"{"id":42,"kind":"credential","state":"inactive"}"#)
        let put = harness.response(self.control(.PUT, "objects/ssh_key/900", #"{"state":"no_access"}"#))
        #expect(put.status == .ok)
        #expect(put.body == #"{"kind":"ssh_key","id":900,"state":"no_access"}"#)
        #expect(harness.engine.objectState(.sshKey, id: 900) == .noAccess)
        let delete = harness.response(self.control(.PUT, "objects/ssh_key/900", #"{"state":null}"#))
        #expect(delete.body == #"{"kind":"ssh_key","id":900,"state":null}"#)
        #expect(harness.response(self.control(.GET, "objects/ssh_key/900")).status == .notFound)
    }

    @Test(
        "invalid object requests answer 400",
        arguments: [
            ("objects/device/1", #"{"state":"no_access"}"#),
            ("objects/password/1", #"{"state":"wrong_kind"}"#),
            ("objects/printer/1", #"{"state":"active"}"#),
            ("objects/device/one", #"{"state":"active"}"#),
            ("objects/device/1", #"{"state":"enabled"}"#),
            ("objects/device/1", #"{}"#),
            ("objects/device/1", "not json"),
        ]
    )
    func invalidObjects(_ path: String, _ body: String) throws {
        var harness = EngineHarness()
        let response = harness.response(self.control(.PUT, path, body))
        #expect(response.status == .badRequest)
        #expect(try response.jsonObject()?["error"] is String)
    }

    @Test("faults can be injected for operations, the token route or any request, and cleared")
    func faults() {
        var harness = EngineHarness()
        let body = #"{"fault":"kong_gateway_timeout","times":2,"kind":"credential","action":"enable","id":42}"#
        #expect(harness.response(self.control(.POST, "faults", body)).body == #"{"pending_faults":1}"#)
        #expect(
            harness.engine.faults == [
                FaultRule(fault: .kongGatewayTimeout, matcher: .operation(.credential, .enable, id: 42), remaining: 2)
            ])
        _ = harness.response(self.control(.POST, "faults", #"{"fault":"latency","latency_ms":1500,"route":"token"}"#))
        _ = harness.response(
            self.control(.POST, "faults", #"{"fault":"rate_limited","retry_after_seconds":3,"route":"any"}"#))
        _ = harness.response(self.control(.POST, "faults", #"{"fault":"empty_body","status":503,"kind":"ssh_key"}"#))
        _ = harness.response(
            self.control(.POST, "faults", #"{"fault":"segura_error","status":500,"message":"Boom","action":"disable"}"#)
        )
        #expect(
            harness.engine.faults.dropFirst().map(\.fault) == [
                .latency(.milliseconds(1500)), .rateLimited(retryAfterSeconds: 3), .emptyBody(status: 503),
                .seguraError(status: 500, message: "Boom"),
            ])
        #expect(
            harness.engine.faults.dropFirst().map(\.matcher) == [
                .token, .anyRequest, .operation(.sshKey), .operation(nil, .disable),
            ])
        #expect(harness.response(self.control(.DELETE, "faults")).body == #"{"pending_faults":0}"#)
        #expect(harness.engine.faults.isEmpty)
    }

    @Test("every fault name is accepted")
    func faultNames() {
        var harness = EngineHarness()
        let names = [
            "kong_bad_gateway", "kong_service_unavailable", "kong_gateway_timeout", "connection_reset", "garbage_body",
            "apply_then_gateway_timeout", "unexpected_error", "not_authorized", "request_timed_out",
            "invalid_signature", "resource_sub_not_found", "rate_limited",
        ]
        for name in names {
            #expect(harness.response(self.control(.POST, "faults", #"{"fault":"\#(name)"}"#)).status == .ok)
        }
        #expect(harness.engine.faults.count == names.count)
    }

    @Test(
        "invalid fault requests answer 400",
        arguments: [
            #"{"fault":"meteor_strike"}"#, #"{"fault":"latency"}"#, #"{"fault":"empty_body"}"#,
            #"{"fault":"empty_body","status":42}"#, #"{"fault":"kong_bad_gateway","times":0}"#,
            #"{"fault":"kong_bad_gateway","route":"elsewhere"}"#, #"{"times":1}"#,
            #"{"fault":"segura_error","status":400}"#, #"{"fault":"segura_error","message":"1008: x"}"#,
        ]
    )
    func invalidFaults(_ body: String) {
        var harness = EngineHarness()
        #expect(harness.response(self.control(.POST, "faults", body)).status == .badRequest)
        #expect(harness.engine.faults.isEmpty)
    }

    @Test("tokens can be revoked and write permission toggled")
    func tokensAndPermission() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        #expect(harness.response(self.control(.POST, "tokens/revoke")).body == #"{"revoked_tokens":1}"#)
        #expect(harness.response(.operation(.credential, .enable, id: 42, token: token)).status == .notFound)
        let denied = harness.response(self.control(.PUT, "write-permission", #"{"granted":false}"#))
        #expect(denied.body == #"{"granted":false}"#)
        #expect(try harness.perform(.credential, .enable, id: 42).body.contains("1039"))
        _ = harness.response(self.control(.PUT, "write-permission", #"{"granted":true}"#))
        #expect(try harness.perform(.credential, .enable, id: 42).status == .ok)
    }

    @Test("unknown control routes answer 404, and non-loopback peers get Kong's no route")
    func unknownAndRemote() {
        var harness = EngineHarness()
        #expect(harness.response(self.control(.GET, "nothing")).status == .notFound)
        #expect(harness.response(self.control(.DELETE, "stats")).status == .notFound)
        var remote = self.control(.GET, "stats")
        remote.peerIsLoopback = false
        let response = harness.response(remote)
        #expect(response.status == .notFound)
        #expect(response.headers.first(name: "Server") == "kong/3.4.2")
    }
}
