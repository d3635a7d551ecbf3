import CurlHTTPClient
import Foundation
import GatewayAPI
import GatewaySecurity
import GatewayStore
import HTTPTypes
import Logging
import ServiceLifecycle

/// Sends each grant transition to the callback of the caller that opened the grant, signed with Standard
/// Webhooks, through its own libcurl client, retrying with backoff.
///
/// Events are kept in memory: a process killed (or stopped) before an event was delivered does not send it.
/// The grant's state in the store, and its audit records, stay the authority; receivers that must not miss a
/// transition should also poll `GET /v1/grants`.
final class CallbackNotifier: Service, Sendable {
    /// One event on its way: a retry repeats `id` and `body`, re-signed at its own time.
    struct Delivery: Sendable {
        var caller: String
        var callback: GatewayConfiguration.Callback
        var id: String
        var body: [UInt8]
    }

    private let callbacks: [String: GatewayConfiguration.Callback]
    private let http: CurlHTTPClient
    private let attempts: Int
    private let firstRetry: Duration
    private let metrics: GatewayMetrics
    private let logger: Logger
    private let deliveries: AsyncStream<Delivery>
    private let queue: AsyncStream<Delivery>.Continuation
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// - Parameters:
    ///   - callers: the configured callers; those without a callback hear nothing.
    ///   - attempts: tries per event before it is abandoned.
    ///   - firstRetry: the wait before the second try, doubling after each.
    init(callers: [GatewayConfiguration.Caller], http: CurlHTTPClient, attempts: Int, firstRetry: Duration, metrics: GatewayMetrics, logger: Logger) {
        self.callbacks = Dictionary(callers.compactMap { caller in caller.callback.map { (caller.name, $0) } }, uniquingKeysWith: { first, _ in first })
        self.http = http
        self.attempts = attempts
        self.firstRetry = firstRetry
        self.metrics = metrics
        self.logger = logger
        (self.deliveries, self.queue) = AsyncStream.makeStream(of: Delivery.self)
    }

    /// Queues `type` (`grant.created`, `grant.extended`, `grant.revoked`, `grant.revoke_failed`) for the
    /// grant's caller, if it has a callback. Never blocks.
    func notify(_ type: Components.Schemas.GrantEvent._TypePayload, grant: Grant) {
        guard let callback = self.callbacks[grant.caller] else { return }
        let event = Components.Schemas.GrantEvent(_type: type, timestamp: AuditTimestamp.string(from: Date()), grant: .init(grant))
        guard let body = try? Self.encoder.encode(event) else { return }
        self.queue.yield(Delivery(caller: grant.caller, callback: callback, id: TimeOrderedID.make(prefix: "msg_"), body: Array(body)))
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for await delivery in self.deliveries.cancelOnGracefulShutdown() {
                group.addTask { await self.deliver(delivery) }
            }
        }
    }

    private func deliver(_ delivery: Delivery) async {
        var wait = self.firstRetry
        for attempt in 1...self.attempts {
            var logger = self.logger
            logger[metadataKey: "callback.id"] = "\(delivery.id)"
            logger[metadataKey: "caller"] = "\(delivery.caller)"
            logger[metadataKey: "attempt"] = "\(attempt)"
            let headers = WebhookSigner.headerFields(
                scheme: .standardWebhooks, secret: delivery.callback.secret, body: delivery.body, deliveryID: delivery.id, timestamp: Date()
            )
            let request = OutboundRequest(
                method: .post, url: delivery.callback.url,
                headers: [HTTPHeaderField("Content-Type", "application/json")] + headers.map { HTTPHeaderField($0.name.rawName, $0.value) },
                body: delivery.body
            )
            let status: Int?
            do {
                status = try await self.http.execute(request).status
            } catch {
                status = nil
                logger.notice("Callback delivery failed", metadata: ["error": "\(error)"])
            }
            if let status, (200..<300).contains(status) {
                self.metrics.recordCallback(caller: delivery.caller, result: "delivered")
                return
            }
            // Standard Webhooks: 410 Gone asks the sender to stop.
            if status == 410 || attempt == self.attempts || Task.isShuttingDownGracefully || Task.isCancelled { break }
            self.metrics.recordCallback(caller: delivery.caller, result: "retried")
            logger.notice("Callback answered \(status.map(String.init) ?? "nothing"); retrying", metadata: ["retry.after_ms": "\(wait.components.seconds * 1000)"])
            // A stop cuts the wait short; the loop then gives up instead of holding the shutdown.
            try? await cancelWhenGracefulShutdown { [wait] in try await Task.sleep(for: wait) }
            wait *= 2
        }
        self.metrics.recordCallback(caller: delivery.caller, result: "abandoned")
        self.logger.warning("Callback abandoned", metadata: ["callback.id": "\(delivery.id)", "caller": "\(delivery.caller)"])
    }
}
