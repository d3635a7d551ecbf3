import CurlHTTPClient
import Foundation
import GatewaySecurity
import GatewayStore
import HTTPTypes
import Logging
import ServiceLifecycle

/// Delivers the callback outbox: each event is POSTed to its caller's callback URL through a libcurl client of
/// its own (never presenting Segura's TLS identity), signed with Standard Webhooks at the time of each attempt.
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
        let status = await self.post(event, logger: logger)
        let result: CallbackResult
        if let status, (200..<300).contains(status) {
            result = .delivered
        } else if status == 410 || delivery.attempt >= self.settings.callbackAttempts || self.events.callbacks[event.caller] == nil {
            result = .abandoned
            logger.warning("Callback abandoned", metadata: ["http.status": "\(status.map(String.init) ?? "none")"])
        } else {
            result = .retry(at: Date().addingTimeInterval(self.settings.backoff(afterAttempt: delivery.attempt).timeInterval))
            logger.notice("Callback not accepted; retrying", metadata: ["http.status": "\(status.map(String.init) ?? "none")"])
        }
        self.metrics.recordCallback(caller: event.caller, result: result == .delivered ? "delivered" : result == .abandoned ? "abandoned" : "retried")
        do {
            try await self.store.completeCallback(id: event.id, result: result)
        } catch {
            // The lease ends and the event falls due again: at least once.
            logger.error("Could not record a callback delivery", metadata: ["error": "\(error)"])
        }
    }

    /// POSTs `event`, signed now; the status, or `nil` when no answer came (or its caller has no callback any more).
    private func post(_ event: CallbackEvent, logger: Logger) async -> Int? {
        guard let callback = self.events.callbacks[event.caller] else { return nil }
        let body = Array(event.body)
        let headers = WebhookSigner.headerFields(scheme: .standardWebhooks, secret: callback.secret, body: body, deliveryID: event.id, timestamp: Date())
        let request = OutboundRequest(
            method: .post, url: callback.url,
            headers: [HTTPHeaderField("Content-Type", "application/json")] + headers.map { HTTPHeaderField($0.name.rawName, $0.value) },
            body: body
        )
        do {
            return try await self.http.execute(request).status
        } catch {
            logger.notice("Callback delivery failed", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
