import GatewayStore
import GatewayVocabulary
import Metrics
import Prometheus
import Synchronization

/// Every metric the gateway emits, defined in one place (Prometheus refuses a name registered twice
/// with different types or help texts).
///
/// The metrics are made with swift-metrics on a Prometheus factory that the gateway owns, so each
/// application instance (and each test) has its own registry and nothing is bootstrapped globally.
public final class GatewayMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The handles of the per-request series, made once per label set: looking a metric up in the registry
    /// takes its lock and builds its label array, which is worth doing once, not on every request.
    private let requestSeries = Mutex<[RequestSeries: (Metrics.Counter, Metrics.Timer)]>([:])
    private let upstreamSeries = Mutex<[UpstreamSeries: Metrics.Timer]>([:])
    private let openConnections: Metrics.Gauge
    private let requestsInFlight: Metrics.Gauge

    private struct RequestSeries: Hashable {
        var caller: String
        var action: String
        var outcome: String
        var code: String
    }

    private struct UpstreamSeries: Hashable {
        var kind: TargetKind
        var action: TargetAction
        var outcome: Outcome
    }

    /// Creates the metrics on `registry`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                   .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30)]
        factory.defaultDurationHistogramBuckets = buckets
        self.factory = factory
        self.openConnections = Gauge(label: "segura_gateway_open_connections", factory: factory)
        self.requestsInFlight = Gauge(label: "segura_gateway_requests_in_flight", factory: factory)
    }

    /// Counts one answered action request: `segura_gateway_requests_total{caller,action,outcome,code}`, and its
    /// duration, `segura_gateway_request_duration_seconds{caller}`.
    ///
    /// `caller` is `unknown` before a signature verifies, `action` before the body is read, and `code` is `none` on
    /// success, so label values come from fixed sets (configured callers, documented codes) and cannot explode.
    func recordRequest(caller: String?, action: TargetAction?, outcome: Outcome, code: ErrorCode?, duration: Duration) {
        self.recordRequest(caller: caller, action: action, outcome: outcome.rawValue, code: code, duration: duration)
    }

    /// Counts one repeated delivery answered from the store (`outcome="replayed"`).
    func recordReplay(caller: String?, action: TargetAction?, duration: Duration) {
        self.recordRequest(caller: caller, action: action, outcome: "replayed", code: nil, duration: duration)
    }

    private func recordRequest(caller: String?, action: TargetAction?, outcome: String, code: ErrorCode?, duration: Duration) {
        let caller = caller ?? "unknown"
        let series = RequestSeries(caller: caller, action: action?.rawValue ?? "unknown", outcome: outcome, code: code?.rawValue ?? "none")
        let (counter, timer) = self.requestSeries.withLock { handles in
            if let known = handles[series] { return known }
            let made = (
                Counter(
                    label: "segura_gateway_requests_total",
                    dimensions: [("caller", series.caller), ("action", series.action), ("outcome", series.outcome), ("code", series.code)],
                    factory: self.factory
                ),
                Metrics.Timer(label: "segura_gateway_request_duration_seconds", dimensions: [("caller", caller)], factory: self.factory)
            )
            handles[series] = made
            return made
        }
        counter.increment()
        timer.record(duration: duration)
    }

    /// Records one Segura operation: `segura_gateway_upstream_duration_seconds{kind,action,outcome}`.
    func recordUpstream(kind: TargetKind, action: TargetAction, outcome: Outcome, duration: Duration) {
        let series = UpstreamSeries(kind: kind, action: action, outcome: outcome)
        let timer = self.upstreamSeries.withLock { timers in
            if let known = timers[series] { return known }
            let made = Metrics.Timer(
                label: "segura_gateway_upstream_duration_seconds",
                dimensions: [("kind", kind.rawValue), ("action", action.rawValue), ("outcome", outcome.rawValue)],
                factory: self.factory
            )
            timers[series] = made
            return made
        }
        timer.record(duration: duration)
    }

    /// Counts one grant transition: `segura_gateway_grant_transitions_total{transition}`, where the
    /// transition is the audit decision (`grant_created`, `grant_revoked`, …).
    func recordGrantTransition(_ transition: String) {
        Counter(label: "segura_gateway_grant_transitions_total", dimensions: [("transition", transition)], factory: self.factory).increment()
    }

    /// Counts one approval request entering `state` (`pending` when held, then `approved`, `denied`, `expired`,
    /// `executed`): `segura_gateway_approvals_total{caller,state}`. Requests held but never executed show as
    /// `approved` minus `executed`.
    func recordApproval(caller: String, state: ApprovalState) {
        Counter(label: "segura_gateway_approvals_total", dimensions: [("caller", caller), ("state", state.rawValue)], factory: self.factory).increment()
    }

    /// Counts a revocation that failed for good, leaving the target possibly enabled:
    /// `segura_gateway_grant_revoke_failures_total{kind}`. Alert on any increase.
    func recordRevokeFailure(kind: String) {
        Counter(label: "segura_gateway_grant_revoke_failures_total", dimensions: [("kind", kind)], factory: self.factory).increment()
    }

    /// Counts one chat command by caller, platform, person (from the caller's user mapping: a configured, bounded
    /// set; `unmapped` for users it does not know), command word and result (`ok` or the error code).
    func recordChatCommand(caller: String, platform: ChatPlatformKind, person: String?, command: String, result: String) {
        Counter(
            label: "segura_gateway_chat_commands_total",
            dimensions: [("caller", caller), ("platform", platform.rawValue), ("person", person ?? "unmapped"), ("command", command), ("result", result)],
            factory: self.factory
        ).increment()
    }

    /// Counts one callback delivery attempt's result: `segura_gateway_callbacks_total{caller,result}`, where
    /// the result is `delivered`, `retried` or `abandoned`.
    func recordCallback(caller: String, result: String) {
        Counter(label: "segura_gateway_callbacks_total", dimensions: [("caller", caller), ("result", result)], factory: self.factory).increment()
    }

    /// The client connections open now: `segura_gateway_open_connections`. At `http.max_connections` the
    /// gateway stops accepting.
    func recordOpenConnections(_ count: Int) {
        self.openConnections.record(count)
    }

    /// Counts a connection closed because a request head or body was too slow:
    /// `segura_gateway_connection_timeouts_total{reason}`, `header_timeout` or `body_timeout`.
    func recordConnectionTimeout(reason: String) {
        Counter(label: "segura_gateway_connection_timeouts_total", dimensions: [("reason", reason)], factory: self.factory).increment()
    }

    /// Counts a request refused for load rather than for what it asked: `segura_gateway_requests_shed_total{caller,reason}`,
    /// where the reason is `rate_limited` (the caller's limit) or `gateway_overloaded` (requests in flight, or
    /// the store's write queue, at capacity).
    func recordShed(caller: String?, reason: ErrorCode) {
        Counter(
            label: "segura_gateway_requests_shed_total", dimensions: [("caller", caller ?? "unknown"), ("reason", reason.rawValue)], factory: self.factory
        ).increment()
    }

    /// The signed requests being worked on now: `segura_gateway_requests_in_flight`.
    func recordRequestsInFlight(_ count: Int) {
        self.requestsInFlight.record(count)
    }

    /// Counts requests refused before any caller was identified: `segura_gateway_unauthenticated_refusals_total{code}`.
    /// They are summarized in the audit trail periodically, not recorded one by one.
    func recordUnauthenticatedRefusal(code: ErrorCode) {
        Counter(label: "segura_gateway_unauthenticated_refusals_total", dimensions: [("code", code.rawValue)], factory: self.factory).increment()
    }

    /// The metrics in the Prometheus text format.
    func render() -> [UInt8] {
        self.registry.emitToBuffer()
    }
}

extension Metrics.Timer {
    /// Records a Swift `Duration`, which swift-metrics 2.13 does not take directly.
    fileprivate func record(duration: Duration) {
        self.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
