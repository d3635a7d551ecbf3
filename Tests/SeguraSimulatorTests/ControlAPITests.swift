import Foundation
import NIOHTTP1
import Testing

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
                == #"{"accepted_connections":1,"api_calls":1,"applied_changes":1,"calls_by_operation":{"enable credential 42":1},"max_concurrent_calls":0,"max_concurrent_calls_per_item":0,"tokens_issued":1}"#
        )
        let decoded = try JSONDecoder().decode(SimulatorStats.self, from: Data(stats.body.utf8))
        #expect(decoded == harness.engine.stats)
        let reset = harness.response(self.control(.POST, "stats/reset"))
        #expect(reset.status == .ok)
        #expect(harness.engine.stats == SimulatorStats())
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
