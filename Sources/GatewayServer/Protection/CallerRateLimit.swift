import GatewayVocabulary
import Hummingbird
import Synchronization

/// Per-caller token buckets (`callers.<name>.rate_limit`): a caller past its limit gets 429 `rate_limited`
/// with `Retry-After`, and nothing else happens (no claim, no Segura call, no audit record).
///
/// A signed caller that misbehaves (a retry loop, a compromised secret) is slowed down without slowing the
/// others. Callers without a limit pass straight through.
struct CallerRateLimitMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let refusals: Refusals
    private let buckets: Buckets

    /// The buckets of every limited caller, keyed by caller name (a fixed, configured set).
    private final class Buckets: Sendable {
        let state = Mutex<[String: TokenBucket]>([:])
    }

    init(refusals: Refusals) {
        self.refusals = refusals
        self.buckets = Buckets()
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let verified = VerifiedRequest.current, let limit = verified.caller.rateLimit else { return try await next(request, context) }
        let now = ContinuousClock.now
        let wait = self.buckets.state.withLock { buckets in
            buckets[verified.caller.name, default: TokenBucket(limit: limit, now: now)].take(limit: limit, now: now)
        }
        guard let wait else { return try await next(request, context) }
        let builder = ActionResultBuilder(requestID: verified.requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
        let result = builder.problem(
            code: .rateLimited, detail: "this caller may send \(limit.burst) requests at once and \(limit.requestsPerMinute) a minute"
        )
        self.refusals.shed(result, logger: context.logger)
        return result.response(retryAfter: wait)
    }
}

/// A token bucket: full (`burst` tokens) at first, refilled continuously at the limit's rate.
struct TokenBucket {
    private var tokens: Double
    private var updatedAt: ContinuousClock.Instant

    init(limit: GatewayConfiguration.RateLimit, now: ContinuousClock.Instant) {
        self.tokens = Double(limit.burst)
        self.updatedAt = now
    }

    /// Takes a token: `nil` when one was there, otherwise how long until one will be.
    mutating func take(limit: GatewayConfiguration.RateLimit, now: ContinuousClock.Instant) -> Duration? {
        let elapsed = now - self.updatedAt
        self.tokens = min(Double(limit.burst), self.tokens + elapsed.timeInterval * limit.requestsPerSecond)
        self.updatedAt = now
        guard self.tokens < 1 else {
            self.tokens -= 1
            return nil
        }
        return .seconds((1 - self.tokens) / limit.requestsPerSecond)
    }
}
