import GatewayVocabulary
import Hummingbird
import Synchronization

/// A bulkhead: at most `maximum` signed requests are worked on at once. Past it a request gets 503
/// `gateway_overloaded` with `Retry-After` at once, instead of queueing behind a slow Segura until every
/// connection, task and claim of the gateway is taken by waiting work.
///
/// It sits after signature verification, so unauthenticated traffic (refused in microseconds) cannot take
/// the slots signed callers need, and after the rate limit, so a caller over its limit takes none either.
struct InFlightLimitMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let maximum: Int
    let metrics: GatewayMetrics
    let refusals: Refusals
    private let inFlight = Counter()

    /// A shared count; a class so every copy of the middleware counts the same requests.
    private final class Counter: Sendable {
        let value = Atomic(0)
    }

    init(maximum: Int, metrics: GatewayMetrics, refusals: Refusals) {
        self.maximum = maximum
        self.metrics = metrics
        self.refusals = refusals
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let verified = VerifiedRequest.current else { return try await next(request, context) }
        let (admitted, count) = self.admit()
        guard admitted else {
            let builder = ActionResultBuilder(requestID: verified.requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
            let result = builder.problem(code: .gatewayOverloaded, detail: "the gateway is working on \(self.maximum) requests, its limit; send again shortly")
            self.refusals.shed(result, logger: context.logger)
            return result.response(retryAfter: .seconds(1))
        }
        self.metrics.recordRequestsInFlight(count)
        defer { self.metrics.recordRequestsInFlight(self.inFlight.value.subtract(1, ordering: .relaxed).newValue) }
        return try await next(request, context)
    }

    /// Takes a slot if one is free; returns whether it did and the count with it.
    private func admit() -> (Bool, Int) {
        let count = self.inFlight.value.add(1, ordering: .relaxed).newValue
        guard count <= self.maximum else {
            self.inFlight.value.subtract(1, ordering: .relaxed)
            return (false, count - 1)
        }
        return (true, count)
    }
}
