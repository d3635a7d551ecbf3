import Foundation
import GatewayStore
import Hummingbird
import Logging
import SeguraClient

/// Answers a request the gateway will not act on: the problem in the stable schema, counted in the metrics,
/// logged without its body, and audited before the answer is sent.
///
/// A refusal before any caller was identified is not audited one by one: it is counted in
/// ``UnauthenticatedRefusals`` and summarized periodically, so unauthenticated traffic cannot fill the store.
struct RefusalResponder: Sendable {
    let metrics: GatewayMetrics
    let ledger: DeliveryLedger
    let unauthenticated: UnauthenticatedRefusals

    /// Refuses with `code`; `builder` carries what is known so far (caller, decoded request).
    func refuse(code: String, detail: String, builder: ActionResultBuilder, deliveryID: String?, receivedDate: Date, logger: Logger) async throws -> Response {
        let (status, result) = builder.problem(code: code, detail: detail)
        self.metrics.recordRequest(
            caller: builder.caller ?? "unknown", action: builder.request?.action.rawValue ?? "unknown", outcome: "not_applied", code: code,
            duration: ContinuousClock.now - builder.receivedAt
        )
        guard builder.caller != nil else {
            self.unauthenticated.count(code)
            self.metrics.recordUnauthenticatedRefusal(code: code)
            logger.debug("Refused an unauthenticated request", metadata: ["error.code": "\(code)"])
            return result.response(status: status)
        }
        logger.notice("Refused a request before acting", metadata: ["error.code": "\(code)"])
        try await self.ledger.audit(
            self.ledger.event(
                DeliveryLedger.decision(for: result), builder.requestID, deliveryID: deliveryID, caller: builder.caller, request: builder.request,
                result: result, receivedAt: receivedDate
            )
        )
        return result.response(status: status)
    }

    /// Refuses a signed request for load (`rate_limited`, `gateway_overloaded`): counted and answered with
    /// `Retry-After`, not audited, because it decides nothing about the action, and writing under overload is
    /// exactly the work to shed.
    func shed(code: String, detail: String, retryAfter: Duration, builder: ActionResultBuilder, logger: Logger) -> Response {
        let (status, result) = builder.problem(code: code, detail: detail)
        let caller = builder.caller ?? "unknown"
        self.metrics.recordShed(caller: caller, reason: code)
        self.metrics.recordRequest(
            caller: caller, action: builder.request?.action.rawValue ?? "unknown", outcome: "not_applied", code: code,
            duration: ContinuousClock.now - builder.receivedAt
        )
        logger.debug("Shed a request", metadata: ["error.code": "\(code)"])
        var response = result.response(status: status)
        response.headers[.retryAfter] = "\(max(1, Int(retryAfter.timeInterval.rounded(.up))))"
        return response
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
