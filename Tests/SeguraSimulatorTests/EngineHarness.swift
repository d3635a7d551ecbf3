import Foundation
import NIOHTTP1
import Testing

@testable import SeguraSimulator

/// Drives a ``SimulatorEngine`` directly, with a clock the test moves by hand.
struct EngineHarness {
    var engine: SimulatorEngine
    var now = ContinuousClock.now

    init(_ configure: (inout SimulatorConfiguration) -> Void = { _ in }) {
        var configuration = SimulatorConfiguration()
        configure(&configuration)
        self.engine = SimulatorEngine(configuration: configuration)
    }

    /// Sends one request at the harness's current time.
    mutating func send(_ request: SimulatorRequest) -> SimulatorOutcome {
        self.engine.handle(request, at: self.now)
    }

    /// Sends one request that must be answered (not reset) and returns the answer.
    mutating func response(_ request: SimulatorRequest, sourceLocation: SourceLocation = #_sourceLocation)
        -> SimulatorResponse
    {
        guard let response = self.send(request).response else {
            Issue.record("expected a response, the connection was reset", sourceLocation: sourceLocation)
            return SimulatorResponse(status: .imATeapot, headers: [:], body: "")
        }
        return response
    }

    /// Obtains a token with the default credentials in a form body.
    mutating func token(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let response = self.response(.tokenRequest(), sourceLocation: sourceLocation)
        #expect(response.status == .ok, sourceLocation: sourceLocation)
        let json = try #require(try response.jsonObject()?["access_token"] as? String, sourceLocation: sourceLocation)
        return json
    }

    /// Performs an operation with a fresh token.
    mutating func perform(
        _ kind: ObjectKind,
        _ action: SimulatedAction,
        id: Int,
        prefix: String = "/api",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> SimulatorResponse {
        let token = try self.token(sourceLocation: sourceLocation)
        return self.response(
            .operation(kind, action, id: id, prefix: prefix, token: token), sourceLocation: sourceLocation)
    }
}

extension SimulatorRequest {
    /// `POST /iso/oauth2/token` with a form body.
    static func tokenRequest(
        path: String = "/iso/oauth2/token",
        body: String = "grant_type=client_credentials&client_id=segura-gateway&client_secret=simulator-secret",
        headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded"]
    ) -> SimulatorRequest {
        SimulatorRequest(.POST, path, headers: headers, body: Array(body.utf8))
    }

    /// The documented request for an operation, with `Authorization: Bearer token` when a token is given.
    static func operation(
        _ kind: ObjectKind,
        _ action: SimulatedAction,
        id: Int,
        prefix: String = "/api",
        token: String?,
        headers: HTTPHeaders = [:]
    ) -> SimulatorRequest {
        var headers = headers
        if let token {
            headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        let (method, path): (HTTPMethod, String) =
            switch (kind, action) {
            case (.password, .enable): (.POST, "\(prefix)/mysafe/password/active/\(id)")
            case (.password, .disable): (.POST, "\(prefix)/mysafe/password/inactive/\(id)")
            case (_, .enable): (.PUT, "\(prefix)/pam/\(kind.pathSegment)/\(id)")
            case (_, .disable): (.DELETE, "\(prefix)/pam/\(kind.pathSegment)/\(id)")
            }
        return SimulatorRequest(method, path, headers: headers)
    }
}

extension ObjectKind {
    /// The PAM path segment of this kind.
    var pathSegment: String {
        self == .sshKey ? "key" : self.rawValue
    }
}

extension SimulatorOutcome {
    /// The response, if the outcome sends one.
    var response: SimulatorResponse? {
        switch self {
        case .respond(let response, _): response
        case .resetConnection: nil
        }
    }
}

extension SimulatorResponse {
    /// The body parsed as a JSON object, `nil` when it is not one.
    func jsonObject() throws -> [String: Any]? {
        try JSONSerialization.jsonObject(with: Data(self.body.utf8)) as? [String: Any]
    }

    /// The `response` object of a Segura envelope.
    func envelopeResponse(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try #require(try self.jsonObject()?["response"] as? [String: Any], sourceLocation: sourceLocation)
    }
}
