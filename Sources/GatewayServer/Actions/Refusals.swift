import Foundation
import GatewayStore
import GatewayVocabulary
import Logging

/// Records a request the gateway will not act on: counted in the metrics, logged without its body, and audited
/// before the answer is sent.
///
/// A refusal before any caller was identified is not audited one by one: it is counted in
/// ``UnauthenticatedRefusals`` and summarized periodically, so unauthenticated traffic cannot fill the store.
/// When the audit record cannot be written, the sender gets 503 `store_unavailable` instead of the refusal: a
/// decision is never answered without being on record.
struct Refusals: Sendable {
    let metrics: GatewayMetrics
    let ledger: DeliveryLedger
    let unauthenticated: UnauthenticatedRefusals

    /// Records the refusal `result` (a problem answer) and returns the answer to send.
    func refuse(_ result: ActionResult, deliveryID: String?, receivedDate: Date, logger: Logger) async -> ActionResult {
        let code = result.failure?.code ?? .internalError
        self.metrics.recordRequest(caller: result.caller, action: result.request?.action, outcome: .notApplied, code: code, duration: result.latency)
        guard result.caller != nil else {
            self.unauthenticated.count(code)
            self.metrics.recordUnauthenticatedRefusal(code: code)
            logger.debug("Refused an unauthenticated request", metadata: ["error.code": "\(code.rawValue)"])
            return result
        }
        logger.notice("Refused a request before acting", metadata: ["error.code": "\(code.rawValue)"])
        let event = self.ledger.event(
            result.auditDecision, result.requestID, deliveryID: deliveryID, caller: result.caller, request: result.request, result: result,
            receivedAt: receivedDate
        )
        do {
            try await self.ledger.audit(event)
            return result
        } catch {
            let builder = ActionResultBuilder(requestID: result.requestID, request: result.request, caller: result.caller, receivedAt: .now - result.latency)
            return self.storeFailed(error, builder: builder, logger: logger)
        }
    }

    /// Records a signed request refused for load (`rate_limited`, `gateway_overloaded`): counted, not audited,
    /// because it decides nothing about the action, and writing under overload is exactly the work to shed.
    func shed(_ result: ActionResult, logger: Logger) {
        let code = result.failure?.code ?? .gatewayOverloaded
        self.metrics.recordShed(caller: result.caller, reason: code)
        self.metrics.recordRequest(caller: result.caller, action: result.request?.action, outcome: .notApplied, code: code, duration: result.latency)
        logger.debug("Shed a request", metadata: ["error.code": "\(code.rawValue)"])
    }

    /// Records the replay of a repeated delivery's stored answer, audited as `replayed`; nothing reaches Segura.
    /// Returns `nil` when the replay may be sent, or the problem to send instead.
    func replay(_ builder: ActionResultBuilder, deliveryID: String?, receivedDate: Date, logger: Logger) async -> ActionResult? {
        let event = self.ledger.event(.replayed, builder.requestID, deliveryID: deliveryID, caller: builder.caller, request: builder.request, receivedAt: receivedDate)
        do {
            try await self.ledger.audit(event)
        } catch {
            return self.storeFailed(error, builder: builder, logger: logger)
        }
        self.metrics.recordReplay(caller: builder.caller, action: builder.request?.action, duration: ContinuousClock.now - builder.receivedAt)
        return nil
    }

    /// The answer when the store failed before anything was acted on: 503 `store_unavailable`, logged.
    func storeFailed(_ error: any Error, builder: ActionResultBuilder, logger: Logger) -> ActionResult {
        logger.error("The store could not be written; refusing the request", metadata: ["error": "\(error)"])
        let result = builder.problem(code: .storeUnavailable, detail: "the gateway could not write its durable store; nothing was done. Send again shortly")
        self.metrics.recordRequest(caller: result.caller, action: result.request?.action, outcome: .notApplied, code: .storeUnavailable, duration: result.latency)
        return result
    }
}
