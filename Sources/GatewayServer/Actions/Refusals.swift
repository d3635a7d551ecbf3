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

    /// Records the refusal `result` (a problem answer) and returns the answer to send: `result`, or 503
    /// `store_unavailable` when its audit record could not be written. Either is counted once.
    func refuse(_ result: ActionResult, deliveryID: String?, receivedDate: Date, logger: Logger) async -> ActionResult {
        let code = result.failure?.code ?? .internalError
        guard result.caller != nil else {
            self.unauthenticated.count(code)
            self.metrics.recordUnauthenticatedRefusal(code: code)
            self.count(result)
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
        } catch {
            return self.storeUnavailable(instead: result, error, logger: logger)
        }
        self.count(result)
        return result
    }

    /// Records a signed request refused for load (`rate_limited`, `gateway_overloaded`): counted, not audited,
    /// because it decides nothing about the action, and writing under overload is exactly the work to shed.
    func shed(_ result: ActionResult, logger: Logger) {
        let code = result.failure?.code ?? .gatewayOverloaded
        self.metrics.recordShed(caller: result.caller, reason: code)
        self.count(result)
        logger.debug("Shed a request", metadata: ["error.code": "\(code.rawValue)"])
    }

    /// Records the replay of a repeated delivery's stored answer, audited as `replayed`; nothing reaches Segura.
    /// Returns `nil` when the replay may be sent, or the problem to send instead.
    func replay(_ builder: ActionResultBuilder, deliveryID: String?, receivedDate: Date, logger: Logger) async -> ActionResult? {
        let event = self.ledger.event(.replayed, builder.requestID, deliveryID: deliveryID, caller: builder.caller, request: builder.request, receivedAt: receivedDate)
        do {
            try await self.ledger.audit(event)
        } catch {
            return self.storeUnavailable(instead: builder.base(outcome: .notApplied), error, logger: logger)
        }
        self.metrics.recordReplay(caller: builder.caller, action: builder.request?.action, duration: ContinuousClock.now - builder.receivedAt)
        return nil
    }

    /// 503 `store_unavailable` in place of the answer `result` would have been, when the store failed before
    /// anything was acted on: logged and counted.
    func storeUnavailable(instead result: ActionResult, _ error: any Error, logger: Logger) -> ActionResult {
        logger.error("The store could not be written; refusing the request", metadata: ["error": "\(error)"])
        var failed = result
        failed.outcome = .notApplied
        failed.failure = .init(
            code: .storeUnavailable, message: "the gateway could not write its durable store; nothing was done. Send again shortly",
            retryable: ErrorCatalogue.entry(for: .storeUnavailable).retryable, upstream: nil
        )
        self.count(failed)
        return failed
    }

    private func count(_ result: ActionResult) {
        self.metrics.recordRequest(caller: result.caller, action: result.request?.action, outcome: .notApplied, code: result.failure?.code, duration: result.latency)
    }
}
