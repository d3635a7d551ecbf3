import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import Hummingbird

/// Hummingbird's per-request context for the gateway.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}

/// What the signature middleware learned about a request, handed to the action route and the OpenAPI handlers.
///
/// The generated handler receives only decoded operation input, so the verified caller and the raw
/// body travel in a task-local value: the middleware and the handler run in the same task.
struct VerifiedRequest: Sendable {
    /// The gateway's id for this request, echoed in `X-Request-Id` and every log line.
    let requestID: String
    /// The caller whose signature verified.
    let caller: GatewayConfiguration.Caller
    /// Delivery facts from the signature (id, timestamp).
    let delivery: VerifiedDelivery
    /// The raw body the signature covered, byte for byte.
    let body: [UInt8]
    /// The delivery's id (`Idempotency-Key`, the scheme's delivery header, or the signature's digest), if any.
    let deliveryID: String?
    /// When the request arrived, for the latency in the answer.
    let receivedAt: ContinuousClock.Instant
    /// When the request arrived, on the wall clock, for the audit trail.
    let receivedDate: Date

    @TaskLocal static var current: VerifiedRequest?

    /// This request with the delivery id a chat platform puts in its signed body (`trigger_id`, the Activity
    /// `id`) in place of the one the headers gave; unchanged when the body has none.
    func delivered(as deliveryID: String?) -> VerifiedRequest {
        guard let deliveryID else { return self }
        return VerifiedRequest(
            requestID: self.requestID, caller: self.caller, delivery: self.delivery, body: self.body, deliveryID: deliveryID,
            receivedAt: self.receivedAt, receivedDate: self.receivedDate
        )
    }

    /// The delivery id the signature itself fixes: the signed `webhook-id` of Standard Webhooks, otherwise the
    /// signature's digest, which stands in for the id when the sender gives none (Slack).
    var signedDeliveryID: String? {
        self.delivery.scheme.signsDeliveryID ? self.delivery.deliveryID : self.delivery.signatureDigest
    }
}

/// Request ids: `req_` and a ``TimeOrderedID``, unguessable and short enough for a log line.
///
/// Time order keeps the store's indexes on request ids appending to their last page instead of dirtying a
/// random page per request, which the benchmark showed to be most of the bytes each commit fsyncs.
enum RequestID {
    static func make(now: Date = Date()) -> String {
        TimeOrderedID.make(prefix: "req_", now: now)
    }

    @TaskLocal static var current: String?
}
