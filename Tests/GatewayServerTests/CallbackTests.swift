import Foundation
import GatewayAPI
import GatewaySecurity
@testable import GatewayServer
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
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
                #expect(events.mapValues(\.count) == ["grant.created": 2, "grant.extended": 1, "grant.revoked": 1])
                let created = try #require(events["grant.created"])
                #expect(created[0].headers[.webhookID] == created[1].headers[.webhookID], "a retry keeps the webhook-id")
                #expect(created[0].body == created[1].body, "a retry keeps the body")
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.deliveries.count == 4)
            }
        }
    }
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
        for _ in 0..<400 {
            let deliveries = self.deliveries
            if deliveries.count >= count { return deliveries }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("only \(self.deliveries.count) of \(count) callbacks arrived")
        throw CancellationError()
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
    let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "callback-receiver"))
    let running = Task { try await group.run() }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    do {
        try await body("http://127.0.0.1:\(port)/hook", receiver)
    } catch {
        await group.triggerGracefulShutdown()
        try? await running.value
        throw error
    }
    await group.triggerGracefulShutdown()
    try await running.value
}
