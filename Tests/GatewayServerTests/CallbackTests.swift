import CurlHTTPClient
import Foundation
import GatewayAPI
import GatewaySecurity
@testable import GatewayServer
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SeguraClient
import SeguraSimulator
import ServiceLifecycle
import Synchronization
import Testing

/// A grant's caller hears about its transitions on its callback URL, signed with Standard Webhooks.
@Suite("Grant callbacks")
struct CallbackTests {
    private static let secret = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()

    @Test func everyTransitionIsDeliveredSignedAndAFailedDeliveryIsRetriedUnchanged() async throws {
        try await withCallbackReceiver(answering: [.serviceUnavailable]) { url, receiver in
            try await withGateway(configure: { configuration in
                configuration.callers[0].callback = .init(url: url, secret: try WebhookSecret(Self.secret, scheme: .standardWebhooks))
                GrantTests.fastRetries(&configuration)
            }) { gateway in
                let grant = try await gateway.enable(42, for: "PT2S")
                _ = try await gateway.enable(42, for: "PT3S", expecting: .alreadyInState)
                _ = try await gateway.waitForGrant(grant.id) { $0.state == .revoked }
                // `restricted` has no callback: its grant is announced to nobody.
                _ = try await gateway.post(structured(id: 41, ticket: "CHG0000001", duration: "PT60S"), as: .restricted)

                let deliveries = try await receiver.wait(for: 4)
                let verifier = CallerVerifier(scheme: .standardWebhooks, secrets: [try WebhookSecret(Self.secret, scheme: .standardWebhooks)])
                let impostor = CallerVerifier(scheme: .standardWebhooks, secrets: [try WebhookSecret(TestCaller.servicenow.secret, scheme: .standardWebhooks)])
                var events: [String: [CallbackReceiver.Delivery]] = [:]
                for delivery in deliveries {
                    _ = try verifier.verify(headerFields: delivery.headers, body: delivery.body, now: Date())
                    #expect(throws: SignatureError.self) { try impostor.verify(headerFields: delivery.headers, body: delivery.body, now: Date()) }
                    let event = try JSONDecoder().decode(Components.Schemas.GrantEvent.self, from: Data(delivery.body))
                    #expect(event.grant.id == grant.id)
                    events[event._type.rawValue, default: []].append(delivery)
                }
                #expect(Set(events.keys) == ["grant.created", "grant.extended", "grant.revoked"])
                // The first delivery (whichever event it carried) was answered 503 and sent again, unchanged.
                let retried = try #require(events.values.first { $0.count == 2 })
                #expect(events.values.map(\.count).sorted() == [1, 1, 2])
                #expect(retried[0].headers[.webhookID] == retried[1].headers[.webhookID], "a retry keeps the webhook-id")
                #expect(retried[0].body == retried[1].body, "a retry keeps the body")
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.deliveries.count == 4)
            }
        }
    }
}

extension CallbackTests {
    @Test func anEventNotYetDeliveredIsSentByTheNextRunFromTheStore() async throws {
        let simulator = try await SeguraSimulator.start()
        let storePath = temporaryStorePath()
        defer { removeStore(at: storePath) }
        var configuration = GatewayConfiguration(
            http: { var http = GatewayConfiguration.HTTP(); http.port = 0; return http }(),
            segura: .init(baseURL: simulator.baseURL, clientID: "segura-gateway", clientSecret: "simulator-secret"),
            callers: [try TestCaller.servicenow.configuration()]
        )
        configuration.storePath = storePath
        GrantTests.fastRetries(&configuration)
        let secret = try WebhookSecret(Self.secret, scheme: .standardWebhooks)

        // First run: the callback host refuses connections, so the grant.created event stays in the outbox.
        configuration.callers[0].callback = .init(url: "http://127.0.0.1:1/hook", secret: secret)
        let grantID = try await withRunningGateway(configuration) { port in
            let body = Array(structured(duration: "PT60S").utf8)
            var headers = try TestCaller.servicenow.sign(body).map { HTTPHeaderField($0.name.rawName, $0.value) }
            headers.append(HTTPHeaderField("Content-Type", "application/json"))
            let client = try CurlHTTPClient()
            let answer = try await client.execute(OutboundRequest(method: .post, url: "http://127.0.0.1:\(port)/v1/actions", headers: headers, body: body))
            await client.shutdown()
            try await Task.sleep(for: .milliseconds(400))
            return try #require(try JSONDecoder().decode(Components.Schemas.ActionResult.self, from: Data(answer.body)).grant?.id)
        }

        // Second run on the same store, with a working callback host: the event is delivered from the outbox.
        try await withCallbackReceiver { url, receiver in
            configuration.callers[0].callback = .init(url: url, secret: secret)
            try await withRunningGateway(configuration) { _ in
                let delivery = try #require(try await receiver.wait(for: 1).first)
                let verifier = CallerVerifier(scheme: .standardWebhooks, secrets: [secret])
                _ = try verifier.verify(headerFields: delivery.headers, body: delivery.body, now: Date())
                let event = try JSONDecoder().decode(Components.Schemas.GrantEvent.self, from: Data(delivery.body))
                #expect(event._type == .grant_created)
                #expect(event.grant.id == grantID)
            }
        }
        try await simulator.shutdown()
    }
}

/// Runs `service` in its own service group until `body` (given the port it announced) returns, then stops it
/// gracefully, also when `body` throws.
func withRunning<T: Sendable>(_ service: some Service, announcingPortOn ports: AsyncStream<Int>, _ body: (Int) async throws -> T) async throws -> T {
    let group = ServiceGroup(services: [service], gracefulShutdownSignals: [], logger: Logger(label: "test"))
    let running = Task { try await group.run() }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    let result: T
    do {
        result = try await body(port)
    } catch {
        await group.triggerGracefulShutdown()
        try? await running.value
        throw error
    }
    await group.triggerGracefulShutdown()
    try await running.value
    return result
}

/// Receives callbacks on a free 127.0.0.1 port: records each one and answers the scripted statuses, then 204.
final class CallbackReceiver: Sendable {
    struct Delivery: Sendable {
        var headers: HTTPFields
        var body: [UInt8]
    }

    private let state: Mutex<(deliveries: [Delivery], statuses: [HTTPResponse.Status])>

    init(statuses: [HTTPResponse.Status]) {
        self.state = Mutex(([], statuses))
    }

    var deliveries: [Delivery] { self.state.withLock { $0.deliveries } }

    fileprivate func record(_ delivery: Delivery) -> HTTPResponse.Status {
        self.state.withLock { state in
            state.deliveries.append(delivery)
            return state.statuses.isEmpty ? .noContent : state.statuses.removeFirst()
        }
    }

    /// Waits (10 s at most) until `count` deliveries arrived.
    func wait(for count: Int) async throws -> [Delivery] {
        try await eventually("only \(self.deliveries.count) of \(count) callbacks arrived") {
            let deliveries = self.deliveries
            return deliveries.count >= count ? deliveries : nil
        }
    }
}

/// Runs `body` with the URL of a running ``CallbackReceiver``.
func withCallbackReceiver(answering statuses: [HTTPResponse.Status] = [], _ body: (String, CallbackReceiver) async throws -> Void) async throws {
    let receiver = CallbackReceiver(statuses: statuses)
    let router = Router()
    router.post("/hook") { request, _ -> Response in
        let bytes = try await request.body.collect(upTo: 1 << 20)
        return Response(status: receiver.record(.init(headers: request.headers, body: Array(buffer: bytes))))
    }
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) }
    )
    try await withRunning(app, announcingPortOn: ports) { port in try await body("http://127.0.0.1:\(port)/hook", receiver) }
}
