import Foundation
import GatewayStore
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Turns any error thrown below it on `/v1/actions` into the stable problem answer.
///
/// The OpenAPI layer throws before the handler runs when the body cannot be decoded or the content
/// type is wrong. Without this, Hummingbird would answer 500 with no body; here the sender gets 415,
/// 400 or 422 with the same `ActionResult` shape and the exact field that is wrong.
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
            // The OpenAPI layer wraps what it could not decode in ServerError; anything else is a defect.
            let (code, detail) = error is ServerError
                ? Self.explain(request: request, body: verified.body)
                : ("internal_error", "the gateway failed unexpectedly; the request id identifies it in the logs")
            let (status, result) = builder.problem(code: code, detail: detail)
            self.metrics.recordRequest(caller: verified.caller.name, action: "unknown", outcome: "not_applied", code: code, duration: ContinuousClock.now - verified.receivedAt)
            try await self.ledger.audit(
                code == "internal_error" ? .failed : .rejectedInput, requestID: verified.requestID, deliveryID: verified.deliveryID,
                caller: verified.caller.name, result: result, receivedAt: Date()
            )
            await self.ledger.finish(key: verified.deliveryKey, status: status, result: result)
            if code == "internal_error" {
                context.logger.error("Request failed unexpectedly", metadata: ["error.type": "\(type(of: error))"])
            } else {
                context.logger.notice("Refused an invalid request", metadata: ["error.code": "\(code)"])
            }
            return result.response(status: status)
        }
    }

    private static func explain(request: Request, body: [UInt8]) -> (String, String) {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if !(contentType.hasPrefix("application/json") || contentType.hasPrefix("application/") && contentType.contains("+json")) {
            return ("unsupported_media_type", "Content-Type must be application/json, found '\(excerpt(contentType))'")
        }
        do {
            _ = try ActionRequestDecoder.decode(body)
            return ("invalid_request", "the body does not match either request form")
        } catch {
            return (error.code, error.message)
        }
    }
}
