import Foundation
import NIOHTTP1
import Testing

@testable import SeguraSimulator

@Suite("Fault injection")
struct FaultTests {
    /// Injects `fault` on enable credential 42 (inactive in the demo seed) and sends that request once.
    private func outcome(of fault: Fault, harness: inout EngineHarness) throws -> SimulatorOutcome {
        let token = try harness.token()
        harness.engine.injectFault(fault, on: .operation(.credential, .enable, id: 42), times: 1)
        return harness.send(.operation(.credential, .enable, id: 42, token: token))
    }

    @Test(
        "Kong upstream errors carry Kong's texts and change nothing",
        arguments: [
            (Fault.kongBadGateway, 502, "An invalid response was received from the upstream server"),
            (.kongServiceUnavailable, 503, "The upstream server is currently unavailable"),
            (.kongGatewayTimeout, 504, "The upstream server is timing out"),
        ]
    )
    func kongUpstreamErrors(_ fault: Fault, _ status: Int, _ message: String) throws {
        var harness = EngineHarness()
        let response = try #require(try self.outcome(of: fault, harness: &harness).response)
        #expect(response.status.code == UInt(status))
        #expect(response.body == "{\n  \"message\":\"\(message)\"\n}")
        #expect(response.headers.first(name: "Server") == "kong/3.4.2")
        #expect(response.headers.first(name: "X-Kong-Response-Latency") != nil)
        #expect(harness.engine.objectState(.credential, id: 42) == .inactive)
        #expect(harness.engine.stats.apiCalls == 1)
        #expect(harness.engine.stats.appliedChanges == 0)
    }

    @Test("latency answers normally after the delay, reporting it as upstream latency")
    func latency() throws {
        var harness = EngineHarness()
        let outcome = try self.outcome(of: .latency(.milliseconds(1500)), harness: &harness)
        guard case .respond(let response, let delay) = outcome else {
            Issue.record("expected a delayed response")
            return
        }
        #expect(delay == .milliseconds(1500))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "X-Kong-Upstream-Latency") == "1500")
        #expect(harness.engine.objectState(.credential, id: 42) == .active)
    }

    @Test("connectionReset sends nothing and changes nothing")
    func connectionReset() throws {
        var harness = EngineHarness()
        #expect(try self.outcome(of: .connectionReset, harness: &harness) == .resetConnection)
        #expect(harness.engine.objectState(.credential, id: 42) == .inactive)
        #expect(harness.engine.stats.apiCalls == 1)
    }

    @Test("garbageBody is a 200 labelled JSON that is not JSON")
    func garbageBody() throws {
        var harness = EngineHarness()
        let response = try #require(try self.outcome(of: .garbageBody, harness: &harness).response)
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "application/json")
        #expect(throws: (any Error).self) { try JSONSerialization.jsonObject(with: Data(response.body.utf8)) }
        #expect(harness.engine.objectState(.credential, id: 42) == .inactive)
    }

    @Test("applyThenGatewayTimeout applies the change, counts it, then answers Kong's 504")
    func applyThenGatewayTimeout() throws {
        var harness = EngineHarness()
        let response = try #require(try self.outcome(of: .applyThenGatewayTimeout, harness: &harness).response)
        #expect(response.status == .gatewayTimeout)
        #expect(response.body.contains("The upstream server is timing out"))
        #expect(harness.engine.objectState(.credential, id: 42) == .active)
        #expect(harness.engine.stats.appliedChanges == 1)
        // The retry a client makes next sees the documented "already" answer.
        let retry = try harness.perform(.credential, .enable, id: 42)
        #expect(retry.status == .badRequest)
        #expect(retry.body.contains("1043: Credential is already activated!"))
    }

    @Test(
        "Segura envelope faults carry the status and message, no exception block",
        arguments: [
            (Fault.unexpectedError, 500, "Unexpected error."),
            (.notAuthorized, 500, "You are not authorized to access this resource."),
            (.invalidSignature, 401, "Invalid signature"),
            (.resourceSubNotFound, 404, "Resource sub not found"),
        ]
    )
    func seguraEnvelopes(_ fault: Fault, _ status: Int, _ message: String) throws {
        var harness = EngineHarness()
        let response = try #require(try self.outcome(of: fault, harness: &harness).response)
        #expect(response.status.code == UInt(status))
        #expect(
            response.body
                == #"{"code":\#(status),"response":{"status":\#(status),"message":"\#(message)","error":true,"error_code":1,"detail":"","mensagem":"\#(message)","erro":true,"cod_erro":1}}"#
        )
        #expect(response.headers.first(name: "Via") == "kong/3.4.2")
        #expect(harness.engine.objectState(.credential, id: 42) == .inactive)
    }

    @Test("requestTimedOut is a 408 with the documented text")
    func requestTimedOut() throws {
        var harness = EngineHarness()
        let response = try #require(try self.outcome(of: .requestTimedOut, harness: &harness).response)
        #expect(response.status == .requestTimeout)
        #expect(response.body == #"{"message":"Request timed out."}"#)
    }

    @Test("rateLimited is Kong's 429 with Retry-After and X-RateLimit headers")
    func rateLimited() throws {
        var harness = EngineHarness()
        let response = try #require(
            try self.outcome(of: .rateLimited(retryAfterSeconds: 7), harness: &harness).response)
        #expect(response.status == .tooManyRequests)
        #expect(response.body == "{\n  \"message\":\"API rate limit exceeded\"\n}")
        #expect(response.headers.first(name: "Retry-After") == "7")
        #expect(response.headers.first(name: "X-RateLimit-Limit") == "60")
        #expect(response.headers.first(name: "X-RateLimit-Remaining") == "0")
        #expect(response.headers.first(name: "X-RateLimit-Reset") == "7")
        #expect(response.headers.first(name: "Server") == "kong/3.4.2")
    }

    @Test("emptyBody answers the status with no body and no content type")
    func emptyBody() throws {
        var harness = EngineHarness()
        let response = try #require(try self.outcome(of: .emptyBody(status: 503), harness: &harness).response)
        #expect(response.status == .serviceUnavailable)
        #expect(response.body.isEmpty)
        #expect(response.headers.first(name: "Content-Type") == nil)
    }

    @Test("seguraError builds an envelope, with the exception block only for a numbered message")
    func seguraError() throws {
        var harness = EngineHarness()
        let fault = Fault.seguraError(status: 400, message: "1008: Credential inactive")
        let numbered = try #require(try self.outcome(of: fault, harness: &harness).response)
        #expect(numbered.status == .badRequest)
        #expect(
            numbered.body
                == #"{"code":400,"response":{"status":400,"message":"1008: Credential inactive","error":true,"error_code":1,"detail":"","mensagem":"1008: Credential inactive","erro":true,"cod_erro":1},"exception":{"code":1008,"message":"1008: Credential inactive","detail":null}}"#
        )
        var other = EngineHarness()
        let plain = try #require(
            try self.outcome(of: .seguraError(status: 200, message: "Operation not performed"), harness: &other)
                .response
        )
        #expect(plain.status == .ok)
        #expect(try plain.envelopeResponse()["error"] as? Bool == true)
        #expect(try plain.jsonObject()?["exception"] == nil)
        #expect(other.engine.objectState(.credential, id: 42) == .inactive)
    }

    @Test("a fault applies `times` times, then normal answers resume")
    func times() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        harness.engine.injectFault(.kongServiceUnavailable, on: .operation(), times: 2)
        let statuses = (0..<3).map { _ in
            harness.response(.operation(.credential, .enable, id: 42, token: token)).status
        }
        #expect(statuses == [.serviceUnavailable, .serviceUnavailable, .ok])
        #expect(harness.engine.faults.isEmpty)
        #expect(harness.engine.stats.apiCalls == 3)
        #expect(harness.engine.stats.callsByOperation == ["enable credential 42": 3])
    }

    @Test("Int.max makes a fault sticky until cleared")
    func sticky() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        harness.engine.injectFault(.unexpectedError, on: .anyRequest, times: .max)
        for _ in 0..<5 {
            #expect(
                harness.response(.operation(.password, .enable, id: 10, token: token)).status == .internalServerError)
        }
        harness.engine.clearFaults()
        #expect(harness.response(.operation(.password, .enable, id: 10, token: token)).status == .ok)
    }

    @Test("operation matchers select by kind, action and id")
    func matcherSelectivity() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        harness.engine.injectFault(.kongBadGateway, on: .operation(.credential, .disable, id: 41), times: 1)
        #expect(harness.response(.operation(.credential, .enable, id: 42, token: token)).status == .ok)
        #expect(harness.response(.operation(.sshKey, .disable, id: 41, token: token)).status == .badRequest)
        #expect(harness.response(.operation(.credential, .disable, id: 41, token: token)).status == .badGateway)
        #expect(harness.engine.faults.isEmpty)
    }

    @Test("the oldest matching fault is consumed first")
    func order() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        harness.engine.injectFault(.kongBadGateway, on: .operation(.device), times: 1)
        harness.engine.injectFault(.kongGatewayTimeout, on: .operation(), times: 1)
        #expect(harness.response(.operation(.credential, .enable, id: 42, token: token)).status == .gatewayTimeout)
        #expect(harness.response(.operation(.device, .enable, id: 20, token: token)).status == .badGateway)
    }

    @Test("token faults hit the token endpoint only")
    func tokenRoute() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        harness.engine.injectFault(.kongGatewayTimeout, on: .token, times: 1)
        #expect(harness.response(.operation(.credential, .enable, id: 42, token: token)).status == .ok)
        #expect(harness.response(.tokenRequest()).status == .gatewayTimeout)
        #expect(harness.response(.tokenRequest()).status == .ok)
        #expect(harness.engine.stats.tokensIssued == 2)
    }

    @Test("applyThenGatewayTimeout on the token route issues a token the client never sees")
    func applyThenTimeoutOnToken() {
        var harness = EngineHarness()
        harness.engine.injectFault(.applyThenGatewayTimeout, on: .token, times: 1)
        #expect(harness.response(.tokenRequest()).status == .gatewayTimeout)
        #expect(harness.engine.stats.tokensIssued == 1)
        #expect(harness.engine.tokens.count == 1)
    }

    @Test("requests rejected for their token do not consume operation faults")
    func unauthenticatedDoesNotConsume() {
        var harness = EngineHarness()
        harness.engine.injectFault(.kongBadGateway, on: .anyRequest, times: 1)
        #expect(harness.response(.operation(.credential, .enable, id: 42, token: "bad")).status == .notFound)
        #expect(harness.engine.faults.count == 1)
    }

    @Test("anyRequest also covers unknown API sub-paths")
    func anyRequestCoversOtherAPI() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        harness.engine.injectFault(.kongBadGateway, on: .anyRequest, times: 1)
        let response = harness.response(
            SimulatorRequest(.GET, "/api/pam/credential", headers: ["Authorization": "Bearer \(token)"])
        )
        #expect(response.status == .badGateway)
    }
}
