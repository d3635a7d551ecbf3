import Foundation
import NIOHTTP1
import Testing

@testable import SeguraSimulator

@Suite("Token endpoint and bearer authentication")
struct TokenEndpointTests {
    private static let invalidClient = #"{"error":"invalid_client","message":"Client authentication failed"}"#

    @Test("form credentials get a Bearer token with expires_in from the configuration")
    func formCredentials() throws {
        var harness = EngineHarness { $0.tokenLifetime = .seconds(90) }
        let response = harness.response(.tokenRequest())
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Via") == "kong/3.4.2")
        #expect(response.headers.first(name: "Cache-Control") == "no-store")
        let token = try #require(try response.jsonObject()?["access_token"] as? String)
        #expect(response.body == #"{"token_type":"Bearer","expires_in":90,"access_token":"\#(token)"}"#)
        #expect(token.count == 64)
        #expect(harness.engine.stats.tokensIssued == 1)
    }

    @Test("every token is different")
    func uniqueTokens() throws {
        var harness = EngineHarness()
        let tokens = try (0..<20).map { _ in try harness.token() }
        #expect(Set(tokens).count == 20)
    }

    @Test("HTTP Basic client authentication is accepted (RFC 6749 §2.3.1)")
    func basicCredentials() throws {
        var harness = EngineHarness {
            $0.clientID = "gate way"
            $0.clientSecret = "s3cr:t%"
        }
        // The id and secret are form-encoded before base64, so ':' and '%' inside them survive.
        let basic = Data("gate+way:s3cr%3At%25".utf8).base64EncodedString()
        let response = harness.response(
            .tokenRequest(
                body: "grant_type=client_credentials",
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic \(basic)"]
            )
        )
        #expect(response.status == .ok)
    }

    @Test("a body parameter wins over the Basic header, as in thephpleague/oauth2-server")
    func bodyWinsOverBasic() {
        var harness = EngineHarness()
        let basic = Data("segura-gateway:simulator-secret".utf8).base64EncodedString()
        let response = harness.response(
            .tokenRequest(
                body: "grant_type=client_credentials&client_secret=wrong",
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic \(basic)"]
            )
        )
        #expect(response.status == .unauthorized)
        #expect(response.headers.first(name: "WWW-Authenticate") == "Basic realm=\"OAuth\"")
    }

    @Test(
        "wrong or missing client credentials answer 401 invalid_client",
        arguments: [
            "grant_type=client_credentials&client_id=segura-gateway&client_secret=nope",
            "grant_type=client_credentials&client_id=someone-else&client_secret=simulator-secret",
            "grant_type=client_credentials&client_id=segura-gateway&client_secret=simulator-secre",
            "grant_type=client_credentials&client_id=segura-gateway",
            "grant_type=client_credentials",
        ]
    )
    func invalidClient(_ body: String) {
        var harness = EngineHarness()
        let response = harness.response(.tokenRequest(body: body))
        #expect(response.status == .unauthorized)
        #expect(response.body == Self.invalidClient)
        #expect(response.headers.first(name: "WWW-Authenticate") == nil)
        #expect(harness.engine.stats.tokensIssued == 0)
    }

    @Test(
        "a missing or unsupported grant type answers 400 unsupported_grant_type",
        arguments: [
            "grant_type=password&client_id=segura-gateway&client_secret=simulator-secret",
            "client_id=segura-gateway&client_secret=simulator-secret",
        ]
    )
    func unsupportedGrant(_ body: String) {
        var harness = EngineHarness()
        let response = harness.response(.tokenRequest(body: body))
        #expect(response.status == .badRequest)
        #expect(
            response.body
                == #"{"error":"unsupported_grant_type","message":"The authorization grant type is not supported by the authorization server."}"#
        )
    }

    @Test("a body that is not form-encoded is not read")
    func jsonBodyIgnored() {
        var harness = EngineHarness()
        let response = harness.response(
            .tokenRequest(
                body: #"{"grant_type":"client_credentials"}"#,
                headers: ["Content-Type": "application/json"]
            )
        )
        #expect(response.status == .badRequest)
    }

    @Test("every configured token path issues tokens; the others are Kong's no route")
    func tokenPaths() {
        var harness = EngineHarness { $0.tokenPaths = ["/iso/oauth2/token", "/api/oauth2/token"] }
        #expect(harness.response(.tokenRequest(path: "/iso/oauth2/token")).status == .ok)
        #expect(harness.response(.tokenRequest(path: "/api/oauth2/token")).status == .ok)
        var isoOnly = EngineHarness()
        let other = isoOnly.response(.tokenRequest(path: "/oauth2/token"))
        #expect(other.status == .notFound)
        #expect(other.headers.first(name: "Server") == "kong/3.4.2")
    }

    @Test("a token is valid until its lifetime has passed, then Kong answers no route")
    func tokenExpiry() throws {
        var harness = EngineHarness { $0.tokenLifetime = .seconds(60) }
        let token = try harness.token()
        harness.now += .seconds(59)
        #expect(harness.response(.operation(.credential, .enable, id: 42, token: token)).status == .ok)
        harness.now += .seconds(1)
        let expired = harness.response(.operation(.credential, .disable, id: 42, token: token))
        #expect(expired.status == .notFound)
        #expect(expired.body == "{\n  \"message\":\"no Route matched with those values\"\n}")
        #expect(harness.engine.stats.apiCalls == 1)
    }

    @Test("revoked, unknown, missing and malformed tokens get Kong's no route")
    func invalidTokens() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        #expect(harness.engine.revokeAllTokens() == 1)
        let requests: [SimulatorRequest] = [
            .operation(.credential, .enable, id: 42, token: token),
            .operation(.credential, .enable, id: 42, token: "unknown"),
            .operation(.credential, .enable, id: 42, token: nil),
            .operation(.credential, .enable, id: 42, token: nil, headers: ["Authorization": "Basic \(token)"]),
            SimulatorRequest(.GET, "/api/pam/credential/abc"),
        ]
        for request in requests {
            let response = harness.response(request)
            #expect(response.status == .notFound)
            #expect(response.headers.first(name: "Server") == "kong/3.4.2")
            #expect(response.headers.first(name: "X-Kong-Response-Latency") == "0")
            #expect(response.headers.first(name: "Via") == nil)
        }
        #expect(harness.engine.stats.apiCalls == 0)
        #expect(harness.engine.objectState(.credential, id: 42) == .inactive)
    }

    @Test("the bearer scheme is case-insensitive")
    func bearerCaseInsensitive() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        let response = harness.response(
            .operation(.credential, .enable, id: 42, token: nil, headers: ["authorization": "bearer  \(token)"])
        )
        #expect(response.status == .ok)
    }

    @Test("with invalidTokenResponse = .unauthorized an invalid token answers 401 access_denied")
    func unauthorizedMode() {
        var harness = EngineHarness { $0.invalidTokenResponse = .unauthorized }
        let response = harness.response(.operation(.password, .enable, id: 10, token: "stale"))
        #expect(response.status == .unauthorized)
        #expect(
            response.body
                == #"{"error":"access_denied","message":"The resource owner or authorization server denied the request."}"#
        )
        #expect(response.headers.first(name: "Via") == "kong/3.4.2")
        let noRoute = harness.response(SimulatorRequest(.GET, "/elsewhere"))
        #expect(noRoute.status == .notFound)
    }
}
