import CurlHTTPClient
import GatewayStore
import GatewayAPI
import Hummingbird
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import SeguraClient
import ServiceLifecycle

/// Builds the gateway as a Hummingbird application: router, middleware, the action route and the OpenAPI
/// handlers, and the outbound HTTP client as a service that starts before the server and stops after it.
///
/// Nothing global is bootstrapped here (logging, metrics), so tests can build as many as they like.
/// `onServerRunning` gets the main listener's port, `onOperationsRunning` the operations listener's; a trailing
/// closure is `onServerRunning`.
public func buildApplication(
    configuration: GatewayConfiguration,
    logger: Logger,
    metrics: GatewayMetrics = GatewayMetrics(),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
    onOperationsRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let store = try await configuration.openStore(logger: logger)
    let platforms = Dictionary(configuration.callers.compactMap { caller in caller.chat.map { (caller.name, $0.platform) } }, uniquingKeysWith: { first, _ in first })
    let ledger = DeliveryLedger(
        store: store, expiresAfter: configuration.deliveryExpiry, claimRenewal: configuration.claimRenewal, platforms: platforms, logger: logger
    )
    let http = try CurlHTTPClient(configuration: configuration.outbound, logger: logger)
    let segura = SeguraClient(configuration: configuration.segura, http: http, logger: logger)
    let router = Router(context: GatewayRequestContext.self)
    // Router middleware applies only to routes added after it, so the order below is the order of the chain.
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: RouteMiddleware(metricsServedElsewhere: configuration.operations != nil))
    let unauthenticated = UnauthenticatedRefusals()
    let refusals = Refusals(metrics: metrics, ledger: ledger, unauthenticated: unauthenticated)
    router.add(middleware: SignatureVerificationMiddleware(
        callers: configuration.callers, maxBodyBytes: configuration.http.maxBodyBytes, refusals: refusals))
    // Right after verification: whatever fails below it answers in the problem schema.
    router.add(middleware: ErrorRenderingMiddleware(metrics: metrics, ledger: ledger))
    router.add(middleware: CallerRateLimitMiddleware(refusals: refusals))
    router.add(middleware: InFlightLimitMiddleware(maximum: configuration.http.maxRequestsInFlight, metrics: metrics, refusals: refusals))
    let serializer = TargetSerializer(locks: store)
    // Callbacks get their own client, so the Segura client's TLS identity is never presented to a callback host.
    let callbackHTTP = try CurlHTTPClient(logger: logger)
    let callbacks = CallbackEvents(callers: configuration.callers)
    let dispatcher = CallbackDispatcher(store: store, http: callbackHTTP, events: callbacks, settings: configuration.grants, metrics: metrics, logger: logger)
    let revoker = GrantRevoker(
        store: store, segura: segura, serializer: serializer, callbacks: callbacks, metrics: metrics, settings: configuration.grants,
        lease: configuration.staleClaimAfter + configuration.segura.retry.deadline, logger: logger
    )
    let notices = ApprovalNotices(callers: configuration.callers)
    let approvals = ApprovalDesk(store: store, callers: configuration.callers, notices: notices, metrics: metrics)
    let actions = ActionService(
        segura: segura, ledger: ledger, serializer: serializer, callbacks: callbacks, refusals: refusals, approvals: approvals, metrics: metrics
    )
    let executor = ApprovalExecutor(
        store: store, actions: actions, notices: notices, callers: configuration.callers, settings: configuration.grants, metrics: metrics,
        lease: configuration.staleClaimAfter + configuration.segura.retry.deadline, logger: logger
    )
    ActionRoute(service: actions).register(on: router)
    let chatWork = ChatWork(maximum: configuration.http.maxRequestsInFlight)
    let chat = ChatService(
        actions: actions, ledger: ledger, refusals: refusals, metrics: metrics, work: chatWork, approvals: approvals,
        clicks: MattermostClickVerifier(callers: configuration.callers)
    )
    ChatRoute(service: chat).register(on: router)
    let api = APIImplementation(segura: segura, metrics: metrics, ledger: ledger, grants: revoker, approvals: approvals, refusals: refusals, logger: logger)
    try api.registerHandlers(on: router, configuration: .init(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]))

    let limits = configuration.http
    var app = Application(
        router: router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: [
                RequestDeadlineHandler(headerTimeout: TimeAmount(limits.headerTimeout), bodyTimeout: TimeAmount(limits.bodyTimeout)) { expiry in
                    metrics.recordConnectionTimeout(reason: expiry.rawValue)
                },
            ],
            idleTimeout: TimeAmount(limits.idleTimeout)
        )),
        configuration: .init(
            address: .hostname(limits.host, port: limits.port), serverName: "segura-gateway",
            availableConnectionsDelegate: ConnectionLimit(maximum: limits.maxConnections, metrics: metrics)
        ),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
    // Services stop in reverse order after the server: the store closes last, once every answer is stored.
    app.addServices(StoreService(store: store), ExpiredDeliveryPurger(store: store, interval: configuration.purgeInterval, logger: logger))
    // After the store, so it stops first and its last summary is written before the store closes.
    app.addServices(RefusalSummaryService(refusals: unauthenticated, ledger: ledger, interval: configuration.refusalSummaryInterval, logger: logger))
    app.addServices(http)
    if let operations = configuration.operations {
        app.addServices(OperationsListener.build(
            host: operations.host, port: operations.port, segura: segura, store: store, metrics: metrics, logger: logger, onServerRunning: onOperationsRunning
        ))
    }
    app.addServices(callbackHTTP, dispatcher, RevocationScheduler(store: store, revoker: revoker, settings: configuration.grants, logger: logger), executor)
    // Last, so it stops first: chat changes answered "working on it" finish, and write their outcome and reply,
    // while the Segura client, the store and the outbox's dispatcher still run.
    app.addServices(chatWork)
    return app
}

/// Keeps the store open while the gateway runs and closes it, draining queued audit appends, on shutdown.
struct StoreService: Service {
    let store: any GatewayStore

    func run() async throws {
        try? await gracefulShutdown()
        try await self.store.close()
    }
}
