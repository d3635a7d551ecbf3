import Foundation
import GatewayAPI
import GatewayStore
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SeguraClient

/// `/healthz`, `/readyz` and `/metrics` on a listener of their own (`ops.host`, `ops.port`), for probes and
/// scrapers.
///
/// The main listener faces callers, often through a reverse proxy from a wide network; its connections can be
/// filled by a client that holds them up to the deadlines. Probes on a separate, loopback or cluster-internal
/// listener keep answering through such an attack (so an orchestrator does not restart a healthy gateway),
/// and `/metrics`, which is unauthenticated, is not exposed to callers at all: when this listener is
/// configured, the main one answers 404 for it.
enum OperationsListener {
    /// The most connections the listener keeps: probes and a scraper need a handful.
    static let maximumConnections = 64

    static func build(
        host: String, port: Int, segura: SeguraClient, store: any GatewayStore, metrics: GatewayMetrics, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in Self.json(Components.Schemas.Health(status: .ok), status: .ok) }
        router.get("/readyz") { _, _ in
            let readiness = await APIImplementation.readiness(of: segura, store: store)
            return Self.json(readiness, status: readiness.status == .ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render()))
            )
        }
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(
                address: .hostname(host, port: port), serverName: "segura-gateway-ops",
                availableConnectionsDelegate: MaximumAvailableConnections(Self.maximumConnections)
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let body = (try? Self.encoder.encode(value)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
