import Foundation
import GatewayStore
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime
import SeguraClient

/// Turns any error thrown below it on a signed route into the stable problem answer.
///
/// Admission has already checked the content type and decoded the body, so the OpenAPI layer should not
/// fail; if it does (a `ServerError`), the sender gets 422 `invalid_request` rather than Hummingbird's bare
/// 500. Anything else is a defect, answered 500 `internal_error` and audited as `failed`.
struct ErrorRenderingMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let metrics: GatewayMetrics
    let ledger: DeliveryLedger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            guard let verified = VerifiedRequest.current else { throw error }
            let admitted = AdmittedAction.current
            let builder = ActionResultBuilder(requestID: verified.requestID, request: admitted?.request, caller: verified.caller.name, receivedAt: verified.receivedAt)
            let isSchemaMismatch = error is ServerError
            let (code, detail) = isSchemaMismatch
                ? ("invalid_request", "the request does not match the schema in openapi.yaml")
                : ("internal_error", "the gateway failed unexpectedly; the request id identifies it in the logs")
            let (status, result) = builder.problem(code: code, detail: detail)
            self.metrics.recordRequest(
                caller: verified.caller.name, action: admitted?.request.action.rawValue ?? "unknown", outcome: "not_applied", code: code,
                duration: ContinuousClock.now - verified.receivedAt
            )
            try await self.ledger.recordOutcome(verified, key: admitted?.deliveryKey, request: admitted?.request, status: status, result: result)
            if isSchemaMismatch {
                // The sender's mistake (a query value outside its enum, say), not the gateway's: no error-level line.
                context.logger.notice("Request does not match the schema", metadata: ["error.code": "\(code)"])
            } else {
                context.logger.error("Request failed unexpectedly", metadata: ["error.type": "\(type(of: error))", "error.code": "\(code)"])
            }
            return result.response(status: status)
        }
    }
}
