import CurlHTTPClient
import Foundation
import GatewaySecurity
import GatewayStore
import HTTPTypes
import Logging
import ServiceLifecycle

/// Delivers the callback outbox through a libcurl client of its own (never presenting Segura's TLS identity): a
/// grant event to its caller's callback URL, signed with Standard Webhooks at the time of each attempt; a chat reply
/// as is to its `response_url` or to its caller's Teams incoming webhook.
///
/// Events are leased from the store like revocations, so a process killed mid-delivery (or stopped) sends them
/// after its restart, and receivers must deduplicate by `webhook-id`, as Standard Webhooks expects. A non-2xx
/// answer is retried with the grants' backoff until `callbackAttempts`; 410 Gone stops at once.
struct CallbackDispatcher: Service {
    let store: any GatewayStore
    let http: CurlHTTPClient
    let events: CallbackEvents
    let settings: GatewayConfiguration.Grants
    let metrics: GatewayMetrics
    let logger: Logger
    /// Events delivered at once; each waits at most the client's request timeout.
    static let concurrency = 16
    /// Longer than one delivery attempt (the client's request timeout, 30 s by default).
    static let lease: Duration = .seconds(90)

    func run() async throws {
        await DueWorkLoop(poll: self.settings.pollInterval).run(nextDue: { try await self.store.nextCallbackDue() }, wave: { await self.deliverDue() })
    }

    private func deliverDue() async -> DueWorkLoop.Wave {
        let deliveries: [CallbackDelivery]
        do {
            deliveries = try await self.store.claimDueCallbacks(now: Date(), limit: Self.concurrency, lease: Self.lease)
        } catch {
            self.logger.error("Could not claim due callbacks", metadata: ["error": "\(error)"])
            return .failed
        }
        await withDiscardingTaskGroup { group in
            for delivery in deliveries {
                group.addTask { await self.deliver(delivery) }
            }
        }
        return deliveries.count == Self.concurrency ? .full : .partial
    }

    private func deliver(_ delivery: CallbackDelivery) async {
        let event = delivery.event
        var logger = self.logger
        logger[metadataKey: "callback.id"] = "\(event.id)"
        logger[metadataKey: "caller"] = "\(event.caller)"
        logger[metadataKey: "attempt"] = "\(delivery.attempt)"
        let result = await self.attempt(delivery, logger: logger)
        switch result {
        case .delivered: self.metrics.recordCallback(caller: event.caller, result: "delivered")
        case .retry: self.metrics.recordCallback(caller: event.caller, result: "retried")
        case .abandoned: self.metrics.recordCallback(caller: event.caller, result: "abandoned")
        }
        do {
            try await self.store.completeCallback(id: event.id, result: result)
        } catch {
            // The lease ends and the event falls due again: at least once.
            logger.error("Could not record a callback delivery", metadata: ["error": "\(error)"])
        }
    }

    /// Sends the event once and decides what becomes of it.
    private func attempt(_ delivery: CallbackDelivery, logger: Logger) async -> CallbackResult {
        guard let target = self.events.target(of: delivery.event) else {
            // The destination describes itself without its URL, a capability.
            logger.warning(
                "Callback abandoned: its caller no longer has this destination configured", metadata: ["callback.destination": "\(delivery.event.destination)"]
            )
            return .abandoned
        }
        let status = await self.post(delivery.event, to: target, logger: logger)
        if let status, (200..<300).contains(status) { return .delivered }
        let answered = ["http.status": Logger.MetadataValue.string(status.map(String.init) ?? "none")]
        guard let status, target.stopsOn(status) else {
            return self.retry(delivery, target: target, answered: answered, logger: logger)
        }
        logger.warning("Callback abandoned: the receiver refuses it for good", metadata: answered)
        return .abandoned
    }

    /// The next attempt's time, unless the event is out of attempts.
    private func retry(_ delivery: CallbackDelivery, target: CallbackTarget, answered: Logger.Metadata, logger: Logger) -> CallbackResult {
        guard delivery.attempt < target.attempts(allowed: self.settings.callbackAttempts) else {
            logger.warning("Callback abandoned", metadata: answered)
            return .abandoned
        }
        logger.notice("Callback not accepted; retrying", metadata: answered)
        return .retry(at: Date().addingTimeInterval(self.settings.backoff(afterAttempt: delivery.attempt).timeInterval))
    }

    /// POSTs `event` to `target` (a grant callback signed now); the status, or `nil` when no answer came.
    private func post(_ event: CallbackEvent, to target: CallbackTarget, logger: Logger) async -> Int? {
        let body = Array(event.body)
        var headers = [HTTPHeaderField("Content-Type", "application/json")]
        let url: String
        switch target {
        case .signedCallback(let callback):
            url = callback.url
            let signature = WebhookSigner.headerFields(scheme: .standardWebhooks, secret: callback.secret, body: body, deliveryID: event.id, timestamp: Date())
            headers += signature.map { HTTPHeaderField($0.name.rawName, $0.value) }
        case .chatReply(let replyURL):
            // A platform's reply URL authorizes the post itself; it takes no signature.
            url = replyURL
        }
        let request = OutboundRequest(method: .post, url: url, headers: headers, body: body)
        do {
            return try await self.http.execute(request).status
        } catch {
            logger.notice("Callback delivery failed", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
