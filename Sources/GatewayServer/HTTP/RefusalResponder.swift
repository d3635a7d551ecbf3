import Foundation
import GatewayStore
import Hummingbird
import Logging
import SeguraClient

/// Answers a request the gateway will not act on: the problem in the stable schema, counted in the metrics,
/// logged without its body, and audited before the answer is sent.
struct RefusalResponder: Sendable {
    let metrics: GatewayMetrics
    let ledger: DeliveryLedger

    /// Refuses with `code`; `builder` carries what is known so far (caller, decoded request).
    func refuse(code: String, detail: String, builder: ActionResultBuilder, deliveryID: String?, receivedDate: Date, logger: Logger) async throws -> Response {
        let (status, result) = builder.problem(code: code, detail: detail)
        self.metrics.recordRequest(
            caller: builder.caller ?? "unknown", action: builder.request?.action.rawValue ?? "unknown", outcome: "not_applied", code: code,
            duration: ContinuousClock.now - builder.receivedAt
        )
        logger.notice("Refused a request before acting", metadata: ["error.code": "\(code)"])
        try await self.ledger.audit(
            self.ledger.event(
                DeliveryLedger.decision(for: result), builder.requestID, deliveryID: deliveryID, caller: builder.caller, request: builder.request,
                result: result, receivedAt: receivedDate
            )
        )
        return result.response(status: status)
    }

    /// Replays the stored answer of a repeated delivery, audited as `replayed`; nothing reaches Segura.
    func replay(_ stored: StoredResponse, builder: ActionResultBuilder, deliveryID: String?, receivedDate: Date) async throws -> Response {
        try await self.ledger.audit(
            self.ledger.event(.replayed, builder.requestID, deliveryID: deliveryID, caller: builder.caller, request: builder.request, receivedAt: receivedDate)
        )
        self.metrics.recordRequest(
            caller: builder.caller ?? "unknown", action: builder.request?.action.rawValue ?? "unknown", outcome: "replayed", code: "none",
            duration: ContinuousClock.now - builder.receivedAt
        )
        return stored.replayResponse()
    }
}
