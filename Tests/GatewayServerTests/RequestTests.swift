import Foundation
import GatewayAPI
import GatewaySecurity
@testable import GatewayServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SeguraClient
import SeguraSimulator
import Testing
import TestSupport

/// Both request forms, input errors, and policy.
@Suite(.timeLimit(.minutes(3)))
struct RequestTests {
    @Test func structuredAndCommandFormsPerformTheSameChange() async throws {
        try await withGateway { gateway in
            let structuredResult = try expectConforms(try await gateway.post(structured("enable", id: 42, duration: "PT2H")))
            #expect(structuredResult.outcome == .applied)
            let command = #"{"command":"disable credential 42 for ticket CHG0012345 for 2h","requested_by":"bob"}"#
            let commandResult = try expectConforms(try await gateway.post(command))
            #expect(commandResult.outcome == .applied)
            #expect(commandResult.action == .disable)
            #expect(commandResult.target == .init(kind: .credential, id: 42))
            #expect(commandResult.ticket == "CHG0012345")
            #expect(gateway.simulator.objectState(.credential, id: 42) == .inactive)
        }
    }

    /// A malformed body and the exact answer it must get.
    struct BadInput: Sendable, CustomTestStringConvertible {
        let body: String
        let status: Int
        let code: Components.Schemas.ErrorCode
        var contentType = "application/json"
        var testDescription: String { "\(self.code.rawValue): \(self.body.prefix(60))" }
    }

    static let badInputs: [BadInput] = [
        BadInput(body: "{not json", status: 400, code: .invalidJson),
        BadInput(body: "[1,2]", status: 422, code: .invalidRequest),
        BadInput(body: #"{"action":"enable"}"#, status: 422, code: .invalidRequest),
        BadInput(body: #"{"action":"toggle","target":{"kind":"credential","id":1},"ticket":"CHG1","requested_by":"a"}"#, status: 422, code: .invalidRequest),
        BadInput(body: #"{"action":"enable","target":{"kind":"vault","id":1},"ticket":"CHG1","requested_by":"a"}"#, status: 422, code: .invalidRequest),
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":0},"ticket":"CHG1","requested_by":"a"}"#, status: 422, code: .invalidRequest),
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":"42"},"ticket":"CHG1","requested_by":"a"}"#, status: 422, code: .invalidRequest),
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":1},"ticket":"CHG 1","requested_by":"a"}"#, status: 422, code: .invalidRequest),
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":1},"ticket":"CHG1","requested_by":"a","admin":true}"#, status: 422, code: .invalidRequest),
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":1},"ticket":"CHG1","requested_by":"a","duration":"2 hours"}"#, status: 422, code: .invalidDuration),
        BadInput(body: #"{"command":"please enable credential 42"}"#, status: 422, code: .invalidCommand),
        BadInput(body: #"{"command":"enable credential 42 for ticket CHG0012345 for ever"}"#, status: 422, code: .invalidDuration),
        BadInput(body: #"{"command":"enable credential forty-two for ticket CHG0012345"}"#, status: 422, code: .invalidCommand),
        BadInput(body: #"{"command":""}"#, status: 422, code: .invalidRequest),
        BadInput(body: structured(), status: 415, code: .unsupportedMediaType, contentType: "text/plain"),
        BadInput(body: #"{"command":"enable credential 42 for ticket CHG0012345","reason":null}"#, status: 422, code: .invalidRequest),
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":1},"ticket":"CHG1","requested_by":"a","duration":null}"#, status: 422, code: .invalidRequest),
        // Each ISO 8601 unit once and in order: repeated or reordered units are not summed.
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":1},"ticket":"CHG1","requested_by":"a","duration":"PT1H1H"}"#, status: 422, code: .invalidDuration),
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":1},"ticket":"CHG1","requested_by":"a","duration":"PT30M1H"}"#, status: 422, code: .invalidDuration),
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":1},"ticket":"CHG1","requested_by":"a","duration":"P1DT"}"#, status: 422, code: .invalidDuration),
        // Limits count code points, as openapi.yaml's maxLength does: combining marks cannot hide length.
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":1},"ticket":"CHG1","requested_by":"e"# + String(repeating: "\u{301}", count: 200) + #""}"#, status: 422, code: .invalidRequest),
        // A duplicate key means one thing to a last-wins parser and another to a first-wins one: refused.
        BadInput(body: #"{"action":"enable","action":"disable","target":{"kind":"credential","id":1},"ticket":"CHG1","requested_by":"a"}"#, status: 400, code: .invalidJson),
        BadInput(body: #"{"action":"enable","target":{"kind":"credential","id":1,"id":2},"ticket":"CHG1","requested_by":"a"}"#, status: 400, code: .invalidJson),
        BadInput(body: #"{"command":"enable credential 1 for ticket CHG1","\u0063ommand":"disable credential 1 for ticket CHG1"}"#, status: 400, code: .invalidJson),
    ]

    @Test(arguments: badInputs)
    func badInputGetsAPreciseAnswer(_ input: BadInput) async throws {
        try await withGateway { gateway in
            let response = try await gateway.post(input.body, contentType: input.contentType)
            let result = try expectConforms(response)
            #expect(Int(response.status.code) == input.status)
            #expect(result.error?.code == input.code)
            #expect(gateway.simulator.stats.apiCalls == 0)
        }
    }

    /// A request the restricted caller may not make, and the rule that must refuse it.
    struct Forbidden: Sendable, CustomTestStringConvertible {
        let body: String
        let code: Components.Schemas.ErrorCode
        var testDescription: String { self.code.rawValue }
    }

    static let forbidden: [Forbidden] = [
        Forbidden(body: structured("disable", id: 42), code: .actionNotAllowed),
        Forbidden(body: structured("enable", kind: "device", id: 20), code: .kindNotAllowed),
        Forbidden(body: structured("enable", id: 43), code: .targetNotAllowed),
        Forbidden(body: structured("enable", id: 42, ticket: "INC0012345"), code: .ticketPatternMismatch),
        Forbidden(body: structured("enable", id: 42, duration: "PT3H"), code: .durationExceedsMaximum),
        // The restricted caller's access is time-bound (a maximum of two hours): no enable without an end.
        Forbidden(body: structured("enable", id: 42), code: .durationRequired),
        Forbidden(body: #"{"command":"enable credential 42 for ticket CHG0012345","requested_by":"a"}"#, code: .durationRequired),
    ]

    @Test(arguments: forbidden)
    func policyRefusesWithTheRuleThatFailed(_ request: Forbidden) async throws {
        try await withGateway { gateway in
            let response = try await gateway.post(request.body, as: .restricted)
            #expect(response.status == .forbidden)
            #expect(try expectConforms(response).error?.code == request.code)
            #expect(gateway.simulator.stats.apiCalls == 0, "a refused request never reaches Segura")
        }
    }

    @Test func otherMethodsAre405WithAllow() async throws {
        try await withGateway { gateway in
            for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
                let response = try await gateway.client.execute(uri: "/v1/actions", method: method, headers: [.contentType: "application/json"])
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
                #expect(try expectConforms(response).error?.code == .methodNotAllowed)
            }
            let health = try await gateway.client.execute(uri: "/healthz", method: .post)
            #expect(health.status == .methodNotAllowed)
            #expect(health.headers[.allow] == "GET")
            #expect(gateway.simulator.stats.apiCalls == 0)
        }
    }

    /// Paths the router could read as a signed route while the signature middleware, comparing text, would not:
    /// refused before any middleware or handler reads them, never a 500.
    @Test(arguments: ["//v1/actions", "/v1/./actions", "/v1/actions;x", "/v1/%61ctions", "/v1/actions/", "/v1/../v1/actions", "/v1//actions", "/v1/"])
    func nonCanonicalPathsAre400(_ path: String) async throws {
        try await withGateway { gateway in
            for response in [try await gateway.raw("POST", path, body: structured(duration: "PT1H")), try await gateway.raw("GET", path)] {
                #expect(response.status == 400)
                #expect(response.body.contains(#""code":"invalid_path""#), "\(response.body)")
            }
            #expect(gateway.simulator.stats.apiCalls == 0)
        }
    }

    @Test(arguments: ["/v1/unknown", "/v1/actions/req_1/extra", "/v1/grants/grt_1/revoke"])
    func unknownAPIPathsAre404SignedOrNot(_ path: String) async throws {
        try await withGateway { gateway in
            for response in [try await gateway.post(structured(duration: "PT1H"), path: path), try await gateway.get(path), try await gateway.get(path, as: nil)] {
                #expect(response.status == .notFound)
                #expect(try expectConforms(response).error?.code == .notFound)
            }
            #expect(gateway.simulator.stats.apiCalls == 0)
        }
    }

    @Test func policyAllowsWhatItAllows() async throws {
        try await withGateway { gateway in
            let result = try expectConforms(try await gateway.post(structured("enable", id: 41, duration: "PT2H"), as: .restricted))
            #expect(result.outcome == .alreadyInState)
        }
    }
}
