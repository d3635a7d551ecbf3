import Foundation
import GatewaySecurity
import GatewayStore
import HTTPTypes
import Hummingbird

/// Decides whether a verified `POST /v1/actions` may act, before anything reaches Segura.
///
/// 1. The content type must be JSON (415), the body a valid request in either form (400, 422).
/// 2. The caller's policy must allow the action, kind, target, ticket and duration (403).
/// 3. The delivery is claimed (503 `gateway_overloaded` when the store's write queue is full), together with its `accepted` audit record (and, for an `enable` with a
///    duration, its grant), in one durable write (``DeliveryLedger/claim(_:acceptance:action:)``). A repeat replays the stored answer without acting, a
///    repeat in flight gets 409, a reused key 422 and a reused signature 401.
///
/// Refusals are not stored against the delivery: they do not act, and a repeat is refused again the same
/// way (Stripe's idempotency keys behave alike). The admitted request travels in ``AdmittedAction/current``.
struct ActionAdmissionMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let ledger: DeliveryLedger
    let refusals: RefusalResponder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == "/v1/actions", request.method == .post, let verified = VerifiedRequest.current else {
            return try await next(request, context)
        }
        var builder = ActionResultBuilder(requestID: verified.requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
        let refuse = { (code: String, detail: String, builder: ActionResultBuilder) async throws -> Response in
            try await self.refusals.refuse(
                code: code, detail: detail, builder: builder, deliveryID: verified.deliveryID, receivedDate: verified.receivedDate, logger: context.logger
            )
        }
        let contentType = request.headers[.contentType] ?? ""
        guard Self.isJSON(contentType) else {
            return try await refuse("unsupported_media_type", "Content-Type must be application/json, found '\(excerpt(contentType))'", builder)
        }
        let action: ActionRequest
        do {
            action = try ActionRequestDecoder.decode(verified.body)
            builder.request = action
            try verified.caller.policy.evaluate(action: action.action, kind: action.kind, id: action.id, ticket: action.ticket, duration: action.duration)
        } catch let error as RequestValidationError {
            return try await refuse(error.code, error.message, builder)
        } catch let violation as PolicyViolation {
            return try await refuse(violation.code, violation.message, builder)
        }
        let acceptance = self.ledger.event(
            .accepted, verified.requestID, deliveryID: verified.deliveryID, caller: verified.caller.name, request: action, receivedAt: verified.receivedDate
        )
        let decision: DeliveryLedger.Decision
        do {
            decision = try await self.ledger.claim(verified, acceptance: acceptance, action: action)
        } catch let error as StoreError where error == .overloaded {
            return self.refusals.shed(
                code: "gateway_overloaded", detail: "the gateway's store has too many writes queued; send again shortly", retryAfter: .seconds(1),
                builder: builder, logger: context.logger
            )
        }
        switch decision {
        case .act(let key):
            return try await AdmittedAction.$current.withValue(AdmittedAction(request: action, deliveryKey: key)) {
                try await next(request, context)
            }
        case .replay(let stored):
            return try await self.refusals.replay(stored, builder: builder, deliveryID: verified.deliveryID, receivedDate: verified.receivedDate)
        case .refuse(let code, let detail):
            return try await refuse(code, detail, builder)
        }
    }

    /// `application/json` or any `application/…+json`, parameters allowed.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.lowercased().prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
        return mediaType == "application/json" || mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")
    }
}
