import Foundation
import GatewayStore
import GatewayVocabulary
import Hummingbird
import Logging
import OpenAPIRuntime

/// Turns any error thrown below it on a signed route into the stable problem answer, so a sender never sees
/// Hummingbird's bare 500.
///
/// A generated route that fails to decode its input (a `ServerError`: a query value outside its enum, say)
/// answers 422 `invalid_request`; a failure of the gateway's store 503 `store_unavailable`; anything else is a
/// defect, answered 500 `internal_error`. Each is audited as `failed` when the store can take it.
struct ErrorRenderingMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let metrics: GatewayMetrics
    let ledger: DeliveryLedger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            guard let verified = VerifiedRequest.current else { throw error }
            let builder = ActionResultBuilder(requestID: verified.requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
            let result: ActionResult
            switch error {
            case is ServerError:
                // The sender's mistake, not the gateway's: no error-level line.
                result = builder.problem(code: .invalidRequest, detail: "the request does not match the schema in openapi.yaml")
                context.logger.notice("Request does not match the schema", metadata: ["error.code": "\(result.failure?.code.rawValue ?? "")"])
            case is StoreError:
                result = builder.problem(code: .storeUnavailable, detail: "the gateway could not use its durable store; send again shortly")
                context.logger.error("The store failed", metadata: ["error": "\(error)"])
            default:
                result = builder.problem(code: .internalError, detail: "the gateway failed unexpectedly; the request id identifies it in the logs")
                context.logger.error("Request failed unexpectedly", metadata: ["error.type": "\(type(of: error))"])
            }
            self.metrics.recordRequest(caller: verified.caller.name, action: nil, outcome: .notApplied, code: result.failure?.code, duration: result.latency)
            let event = self.ledger.event(result.auditDecision, verified.requestID, deliveryID: verified.deliveryID, caller: verified.caller.name, result: result, receivedAt: verified.receivedDate)
            do {
                try await self.ledger.audit(event)
            } catch {
                context.logger.error("Could not audit a failed request", metadata: ["error": "\(error)"])
            }
            return result.response()
        }
    }
}
