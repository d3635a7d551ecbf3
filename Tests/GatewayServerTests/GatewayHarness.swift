import CurlHTTPClient
import Foundation
import GatewayAPI
import GatewaySecurity
@testable import GatewayServer
import GatewayVocabulary
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SeguraClient
import SeguraSimulator
import ServiceLifecycle
import Testing
import TestSupport

/// The callers every gateway test can sign as: one per scheme, plus a restricted one for policy tests.
enum TestCaller: String, CaseIterable, Sendable {
    case servicenow, github, slack, jira, restricted

    var scheme: SignatureScheme {
        switch self {
        case .servicenow, .restricted: return .standardWebhooks
        case .github: return .hubSHA256
        case .slack: return .slackV0
        case .jira: return .staticToken
        }
    }

    /// The current secret; ``previousSecret`` is also active, as during a rotation.
    var secret: String {
        switch self {
        case .servicenow: return "whsec_" + Data(repeating: 1, count: 32).base64EncodedString()
        case .restricted: return "whsec_" + Data(repeating: 9, count: 32).base64EncodedString()
        case .github: return "github-webhook-secret-0123456789"
        case .slack: return "slack-signing-secret-0123456789ab"
        case .jira: return "jira-automation-token-0123456789"
        }
    }

    var previousSecret: String {
        switch self {
        case .servicenow: return "whsec_" + Data(repeating: 2, count: 32).base64EncodedString()
        case .restricted: return "whsec_" + Data(repeating: 8, count: 32).base64EncodedString()
        default: return self.secret + "-previous"
        }
    }

    /// A well-formed secret that is not any configured caller's.
    var wrongSecret: String {
        self.scheme == .standardWebhooks ? "whsec_" + Data(repeating: 7, count: 32).base64EncodedString() : "definitely-not-the-secret-000"
    }

    func policy() throws -> CallerPolicy {
        guard self == .restricted else {
            return try CallerPolicy(allowedActions: Set(TargetAction.allCases), allowedKinds: Set(TargetKind.allCases))
        }
        return try CallerPolicy(
            allowedActions: [.enable],
            allowedKinds: [.credential, .password],
            allowedIDs: [.credential: [40...42]],
            ticketPattern: "CHG[0-9]{7}",
            maxDuration: .seconds(2 * 3600)
        )
    }

    func configuration(tolerance: Duration = .seconds(300)) throws -> GatewayConfiguration.Caller {
        let secrets = try [self.secret, self.previousSecret].map { try WebhookSecret($0, scheme: self.scheme) }
        return .init(name: self.rawValue, verifier: CallerVerifier(scheme: self.scheme, secrets: secrets, tolerance: tolerance), policy: try self.policy())
    }

    /// Signature headers for `body`, as this caller's sender would make them.
    func sign(_ body: [UInt8], secret: String? = nil, timestamp: Date = Date(), deliveryID: String = "msg_" + UUID().uuidString) throws -> HTTPFields {
        try WebhookSigner.headerFields(
            scheme: self.scheme,
            secret: WebhookSecret(secret ?? self.secret, scheme: self.scheme),
            body: body,
            deliveryID: deliveryID,
            timestamp: timestamp
        )
    }
}

/// A running gateway in front of a running simulator, both on 127.0.0.1 free ports.
struct GatewayUnderTest {
    let simulator: SeguraSimulator
    let client: any TestClientProtocol
    let metrics: GatewayMetrics
    /// The SQLite file with the gateway's deliveries and audit trail.
    let storePath: String

    /// Sends `body` to `POST /v1/actions`, signed by `caller` unless `headers` replaces the signature.
    func post(
        _ body: String, as caller: TestCaller? = .servicenow, deliveryID: String = "msg_" + UUID().uuidString,
        signedAt: Date = Date(), headers extra: HTTPFields = [:], contentType: String = "application/json", path: String = "/v1/actions"
    ) async throws -> TestResponse {
        let bytes = Array(body.utf8)
        var headers = try caller?.sign(bytes, timestamp: signedAt, deliveryID: deliveryID) ?? [:]
        headers[.contentType] = contentType
        for field in extra { headers[field.name] = field.value }
        return try await self.client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    /// Sends a `GET` to `path`, signed over the empty body by `caller` (unsigned with `nil`).
    func get(_ path: String, as caller: TestCaller? = .servicenow) async throws -> TestResponse {
        try await self.send(.get, path, as: caller)
    }

    /// Revokes grant `id` (`DELETE /v1/grants/{id}` with the signed body naming it, or naming `bodyID`).
    func revoke(_ id: String, as caller: TestCaller? = .servicenow, bodyID: String? = nil) async throws -> TestResponse {
        try await self.send(.delete, "/v1/grants/\(id)", as: caller, body: #"{"grant_id":"\#(bodyID ?? id)"}"#)
    }

    /// Sends `approver`'s `decision` (`approve` or `deny`) on approval `id`, signed by `caller` like every request
    /// but `POST /v1/actions`.
    func decide(_ id: String, _ decision: String, approver: String, as caller: TestCaller? = .restricted) async throws -> TestResponse {
        try await self.send(.post, "/v1/approvals/\(id)", as: caller, body: #"{"decision":"\#(decision)","approver":"\#(approver)"}"#)
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, as caller: TestCaller?, body: String? = nil) async throws -> TestResponse {
        let bytes = Array((body ?? "").utf8)
        var headers = try caller?.sign(RequestBinding.message(method: method.rawValue, target: path, body: bytes)) ?? [:]
        if body != nil { headers[.contentType] = "application/json" }
        return try await self.client.execute(uri: path, method: method, headers: headers, body: body.map { _ in ByteBuffer(bytes: bytes) })
    }
}

extension GatewayUnderTest {
    /// Sends one request exactly as written, path included, on a new connection: the test client would
    /// normalize a path such as `//v1/actions`. Signed over `body` by `caller` (unsigned with `nil`).
    func raw(_ method: String, _ path: String, body: String = "", as caller: TestCaller? = .servicenow) async throws -> RawHTTPResponse {
        let port = try #require(self.client.port)
        let bytes = Array(body.utf8)
        let signed = RequestBinding.signsBodyAlone(method: method, path: path) ? bytes : RequestBinding.message(method: method, target: path, body: bytes)
        var headers = try (caller?.sign(signed) ?? [:]).map { ($0.name.rawName, $0.value) }
        if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
        return try await RawHTTPConnection(port: port).request(method, path, headers: headers, body: body)
    }

    /// Sends `body` on its own connection (the test client has one, which would serialize requests),
    /// signed by `caller` with `deliveryID`. Returns the status code.
    func postOnNewConnection(_ body: String, as caller: TestCaller = .servicenow, deliveryID: String, using http: CurlHTTPClient) async throws -> Int {
        let bytes = Array(body.utf8)
        var headers = try caller.sign(bytes, deliveryID: deliveryID).map { HTTPHeaderField($0.name.rawName, $0.value) }
        headers.append(HTTPHeaderField("Content-Type", "application/json"))
        let port = try #require(self.client.port)
        return try await http.execute(OutboundRequest(method: .post, url: "http://127.0.0.1:\(port)/v1/actions", headers: headers, body: bytes)).status
    }
}

/// Runs `body` against a fresh simulator and gateway.
func withGateway(
    simulator simulatorConfiguration: SimulatorConfiguration = .init(),
    maxBodyBytes: Int = 64 * 1024,
    configureSegura: (inout SeguraClient.Configuration) -> Void = { _ in },
    configure: (inout GatewayConfiguration) throws -> Void = { _ in },
    _ body: @Sendable (GatewayUnderTest) async throws -> Void
) async throws {
    let simulator = try await SeguraSimulator.start(simulatorConfiguration)
    do {
        var segura = SeguraClient.Configuration(baseURL: simulator.baseURL, clientID: simulatorConfiguration.clientID, clientSecret: simulatorConfiguration.clientSecret)
        segura.retry.initialBackoff = .milliseconds(10)
        segura.retry.maxBackoff = .milliseconds(50)
        segura.retry.maxAttempts = 3
        segura.retry.deadline = .seconds(5)
        configureSegura(&segura)
        var http = GatewayConfiguration.HTTP()
        http.port = 0
        http.maxBodyBytes = maxBodyBytes
        var configuration = GatewayConfiguration(http: http, segura: segura, callers: try TestCaller.allCases.map { try $0.configuration() })
        configuration.storePath = temporaryStorePath()
        try configure(&configuration)
        defer { removeStore(at: configuration.storePath) }
        let metrics = GatewayMetrics()
        let app = try await buildApplication(configuration: configuration, logger: Logger(label: "test"), metrics: metrics)
        let storePath = configuration.storePath
        try await app.test(.live) { client in
            try await body(GatewayUnderTest(simulator: simulator, client: client, metrics: metrics, storePath: storePath))
        }
    } catch {
        try await simulator.shutdown()
        throw error
    }
    try await simulator.shutdown()
}

/// A gateway run as `serve` runs it, in a service group of its own, not through HummingbirdTesting (whose
/// application copy keeps only the address of the server configuration, dropping the connection limit).
struct RunningGateway {
    let port: Int
    /// The operations listener's port, when the configuration has one.
    let operationsPort: Int?
    let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Builds and starts the gateway on free ports; returns once it listens.
    static func start(_ configuration: GatewayConfiguration, metrics: GatewayMetrics = GatewayMetrics()) async throws -> RunningGateway {
        var configuration = configuration
        configuration.http.port = 0
        configuration.operations?.port = 0
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let (operationsPorts, operationsContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = try await buildApplication(
            configuration: configuration, logger: Logger(label: "test"), metrics: metrics,
            onServerRunning: { portContinuation.yield($0) }, onOperationsRunning: { operationsContinuation.yield($0) }
        )
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        var operationsPort: Int?
        if configuration.operations != nil {
            var operationsIterator = operationsPorts.makeAsyncIterator()
            operationsPort = await operationsIterator.next()
        }
        return RunningGateway(port: port, operationsPort: operationsPort, group: group, running: running)
    }

    /// Shuts the gateway down gracefully and waits until it stopped.
    func stop() async throws {
        await self.group.triggerGracefulShutdown()
        try await self.running.value
    }
}

/// Runs a gateway on `configuration` until `body` (given its port) returns, then stops it gracefully, also when
/// `body` throws.
func withRunningGateway<T: Sendable>(_ configuration: GatewayConfiguration, _ body: (Int) async throws -> T) async throws -> T {
    let gateway = try await RunningGateway.start(configuration)
    let result: T
    do {
        result = try await body(gateway.port)
    } catch {
        try? await gateway.stop()
        throw error
    }
    try await gateway.stop()
    return result
}

/// Checks a response against `openapi.yaml` and returns the decoded `ActionResult`.
///
/// The status must be one the contract documents; the body must decode as the generated
/// `ActionResult` (so every field, enum value and error code is one the contract allows); failures
/// must be `application/problem+json` with RFC 9457 members that agree with the HTTP status.
@discardableResult
func expectConforms(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> Components.Schemas.ActionResult {
    let documented: Set<Int> = [200, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503, 504]
    #expect(documented.contains(Int(response.status.code)), "undocumented status \(response.status.code)", sourceLocation: sourceLocation)
    let result = try JSONDecoder().decode(Components.Schemas.ActionResult.self, from: Data(Array(buffer: response.body)))
    #expect(response.headers[.init("X-Request-Id")!] == result.requestId, sourceLocation: sourceLocation)
    if response.status == .ok {
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        #expect(result.error == nil, sourceLocation: sourceLocation)
        #expect([.applied, .alreadyInState].contains(result.outcome), sourceLocation: sourceLocation)
    } else {
        #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true, sourceLocation: sourceLocation)
        #expect(result.status == Int(response.status.code), sourceLocation: sourceLocation)
        #expect(result.error != nil && result._type != nil && result.title != nil && result.detail != nil, sourceLocation: sourceLocation)
        #expect(result._type == "tag:segura-gateway,2026:error:\(result.error?.code.rawValue ?? "")", sourceLocation: sourceLocation)
    }
    return result
}

/// A structured request body.
func structured(_ action: String = "enable", kind: String = "credential", id: Int = 42, ticket: String = "CHG0012345", duration: String? = nil) -> String {
    let durationField = duration.map { ",\"duration\":\"\($0)\"" } ?? ""
    return #"{"action":"\#(action)","target":{"kind":"\#(kind)","id":\#(id)},"ticket":"\#(ticket)","requested_by":"alice"\#(durationField)}"#
}

/// A new SQLite path in the temporary folder.
func temporaryStorePath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("gateway-test-\(UUID().uuidString).sqlite").path
}

/// Removes a test store and its WAL files.
func removeStore(at path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

/// Polls `value` every 25 ms until it is not `nil` and returns it; after `timeout` (10 s by default) records
/// `failure` as the test's issue and throws. The one wait loop of these tests: for what another task, the
/// simulator or the store will do soon.
@discardableResult
func eventually<T>(
    _ failure: @autoclosure () -> String, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
    _ value: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    repeat {
        if let value = try await value() { return value }
        try await Task.sleep(for: .milliseconds(25))
    } while ContinuousClock.now < deadline
    Issue.record(Comment(rawValue: failure()), sourceLocation: sourceLocation)
    throw CancellationError()
}
