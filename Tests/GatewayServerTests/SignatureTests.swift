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

/// Each signature scheme over loopback: acceptance, rotation, and every failure mode.
@Suite(.timeLimit(.minutes(3)))
struct SignatureTests {
    static let signingCallers: [TestCaller] = [.servicenow, .github, .slack, .jira]

    @Test(arguments: signingCallers)
    func aSignedRequestIsPerformed(_ caller: TestCaller) async throws {
        try await withGateway { gateway in
            let result = try expectConforms(try await gateway.post(structured(), as: caller))
            #expect(result.outcome == .applied)
            #expect(result.caller == caller.rawValue)
            #expect(gateway.simulator.stats.apiCalls == 1)
        }
    }

    @Test(arguments: signingCallers)
    func eitherActiveSecretVerifiesDuringRotation(_ caller: TestCaller) async throws {
        try await withGateway { gateway in
            let body = Array(structured(id: 41, ticket: "CHG0000001").utf8)
            for secret in [caller.previousSecret, caller.secret] {
                var headers = try caller.sign(body, secret: secret)
                headers[.contentType] = "application/json"
                let response = try await gateway.client.execute(uri: "/v1/actions", method: .post, headers: headers, body: .init(bytes: body))
                #expect(response.status == .ok)
                #expect(try expectConforms(response).caller == caller.rawValue)
            }
        }
    }

    /// A failure, how to provoke it for a caller, and the expected status and code.
    struct Failure: Sendable, CustomTestStringConvertible {
        let name: String
        let caller: TestCaller
        let status: HTTPResponse.Status
        let code: String
        let headers: @Sendable (TestCaller, [UInt8]) throws -> HTTPFields
        var testDescription: String { "\(self.name) (\(self.caller.rawValue))" }
    }

    static let failures: [Failure] = signingCallers.flatMap { caller -> [Failure] in
        var cases = [
            Failure(name: "missing", caller: caller, status: .unauthorized, code: "missing_signature") { _, _ in [:] },
            Failure(name: "wrong secret", caller: caller, status: .unauthorized, code: "signature_mismatch") { caller, body in
                try caller.sign(body, secret: caller.wrongSecret)
            },
        ]
        if caller.scheme != .staticToken {
            // A static token does not cover the body; every other scheme must notice a changed body.
            cases.append(Failure(name: "tampered body", caller: caller, status: .unauthorized, code: "signature_mismatch") { caller, _ in
                try caller.sign(Array(structured(id: 43).utf8))
            })
        }
        if caller.scheme.signsTimestamp {
            cases += [
                Failure(name: "stale", caller: caller, status: .unauthorized, code: "stale_timestamp") { caller, body in
                    try caller.sign(body, timestamp: Date().addingTimeInterval(-600))
                },
                Failure(name: "future", caller: caller, status: .unauthorized, code: "future_timestamp") { caller, body in
                    try caller.sign(body, timestamp: Date().addingTimeInterval(600))
                },
            ]
        }
        return cases
    }

    @Test(arguments: failures)
    func aBadSignatureIsRefusedBeforeSegura(_ failure: Failure) async throws {
        try await withGateway { gateway in
            let body = Array(structured().utf8)
            var headers = try failure.headers(failure.caller, body)
            headers[.contentType] = "application/json"
            let response = try await gateway.client.execute(uri: "/v1/actions", method: .post, headers: headers, body: .init(bytes: body))
            #expect(response.status == failure.status)
            let result = try expectConforms(response)
            #expect(result.error?.code.rawValue == failure.code)
            #expect(result.outcome == .notApplied)
            #expect(gateway.simulator.stats.apiCalls == 0)
            // Nothing of the secrets or the computed MAC is echoed.
            let text = String(buffer: response.body)
            #expect(!text.contains(failure.caller.secret) && !text.contains("v1,") && !text.contains("sha256=") && !text.contains("v0="))
        }
    }

    @Test func aMalformedTimestampIs400() async throws {
        try await withGateway { gateway in
            var headers = try TestCaller.servicenow.sign(Array(structured().utf8))
            headers[.init("webhook-timestamp")!] = "yesterday"
            let result = try expectConforms(try await gateway.post(structured(), as: nil, headers: headers))
            #expect(result.status == 400)
            #expect(result.error?.code == .malformedTimestamp)
        }
    }

    @Test(arguments: [TestCaller.servicenow, .github, .slack, .jira])
    func aMalformedIdempotencyKeyIs400ForEveryScheme(_ caller: TestCaller) async throws {
        try await withGateway { gateway in
            let response = try await gateway.post(structured(), as: caller, headers: [.init("Idempotency-Key")!: "not-an-sf-string"])
            #expect(response.status == .badRequest)
            #expect(try expectConforms(response).error?.code == .malformedIdempotencyKey)
            #expect(gateway.simulator.stats.apiCalls == 0)
            let accepted = try await gateway.post(structured(), as: caller, headers: [.init("Idempotency-Key")!: "\"8e03978e-40d5-43e8\""])
            #expect(accepted.status == .ok)
        }
    }

    @Test func anOversizedBodyIs413BeforeItIsRead() async throws {
        try await withGateway(maxBodyBytes: 1024) { gateway in
            let big = #"{"command":"enable credential 42 for ticket CHG0012345","reason":""# + String(repeating: "x", count: 4096) + #""}"#
            let response = try await gateway.post(big)
            #expect(response.status == .contentTooLarge)
            #expect(try expectConforms(response).error?.code == .payloadTooLarge)
        }
    }
}

/// A read's signature covers its method, path and query, and lasts only the caller's tolerance.
@Suite(.timeLimit(.minutes(2)))
struct ReadBindingTests {
    /// Headers for `GET target`, signed by servicenow at `signedAt`.
    private func readHeaders(_ target: String, signedAt: Date = Date()) throws -> HTTPFields {
        try TestCaller.servicenow.sign(RequestBinding.message(method: "GET", target: target, body: []), timestamp: signedAt)
    }

    @Test func aCapturedReadSignatureFailsOnAnyOtherPathOrQuery() async throws {
        try await withGateway { gateway in
            let applied = try expectConforms(try await gateway.post(structured(duration: "PT1H")))
            let target = "/v1/actions/\(applied.requestId)"
            let captured = try self.readHeaders(target)
            #expect(try await gateway.client.execute(uri: target, method: .get, headers: captured).status == .ok)
            for other in ["/v1/actions/req_other", "/v1/grants", "/v1/grants?state=all&limit=500", target + "?x=1"] {
                let replayed = try await gateway.client.execute(uri: other, method: .get, headers: captured)
                #expect(replayed.status == .unauthorized, "\(other)")
                #expect(try expectConforms(replayed).error?.code == .signatureMismatch)
            }
            let listing = try self.readHeaders("/v1/grants?state=all&limit=500")
            #expect(try await gateway.client.execute(uri: "/v1/grants?state=all&limit=500", method: .get, headers: listing).status == .ok)
            #expect(try await gateway.client.execute(uri: "/v1/grants?state=all&limit=5", method: .get, headers: listing).status == .unauthorized)
            #expect(try await gateway.client.execute(uri: "/v1/grants?limit=500&state=all", method: .get, headers: listing).status == .unauthorized)
        }
    }

    @Test func aReadSignatureExpiresWithTheTolerance() async throws {
        try await withGateway { gateway in
            let old = try self.readHeaders("/v1/grants", signedAt: Date().addingTimeInterval(-301))
            let stale = try await gateway.client.execute(uri: "/v1/grants", method: .get, headers: old)
            #expect(stale.status == .unauthorized)
            #expect(try expectConforms(stale).error?.code == .staleTimestamp)
        }
    }

    /// A POST signature is over the body alone and so cannot be turned into a read.
    @Test func anActionSignatureCannotRead() async throws {
        try await withGateway { gateway in
            let headers = try TestCaller.servicenow.sign([])
            let read = try await gateway.client.execute(uri: "/v1/grants", method: .get, headers: headers)
            #expect(read.status == .unauthorized)
            #expect(try expectConforms(read).error?.code == .signatureMismatch)
        }
    }
}
