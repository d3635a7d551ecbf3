import Logging
import ServiceLifecycle
import Synchronization

/// An async HTTP/1.1 and HTTP/2 client backed by libcurl's multi interface.
///
/// All requests share one `curl_multi` handle driven by one dedicated thread, so connections are
/// pooled and reused (bounded by ``Configuration/maxConnectionsPerHost``) and no thread blocks per request.
///
/// ```swift
/// let client = try CurlHTTPClient(configuration: .init(), logger: logger)
/// let response = try await client.execute(OutboundRequest(method: .get, url: "https://segura.example/api/pam/credential/42"))
/// await client.shutdown()
/// ```
///
/// Cancelling the calling task aborts the transfer and throws `CancellationError`. Every other failure
/// throws ``OutboundClientError``. Call ``shutdown()`` (or run the client as a `Service`) before the
/// process exits, so libcurl and OpenSSL are torn down in order.
public final class CurlHTTPClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: Configuration
    private let loop: CurlMultiLoop
    private let counters = CurlMultiLoop.Counters()
    private let nextTransferID = Atomic<UInt64>(1)

    /// Starts the client's transfer thread.
    ///
    /// - Parameters:
    ///   - configuration: timeouts, pool bounds, TLS and proxy settings.
    ///   - logger: receives the start-up warning when TLS verification is turned off.
    public init(configuration: Configuration = .init(), logger: Logger = Logger(label: "segura.http-client")) throws(OutboundClientError) {
        self.configuration = configuration
        self.loop = try CurlMultiLoop(configuration: configuration, counters: self.counters)
        if configuration.tls.insecureSkipVerification {
            logger.warning(
                "TLS certificate verification is OFF for outbound requests: any server can impersonate the upstream. Use only in a lab.",
                metadata: ["http.client.tls.insecure": "true"]
            )
        }
    }

    /// Sends `request` and returns the complete response, whatever its status code.
    ///
    /// - Throws: ``OutboundClientError`` for transport failures, `CancellationError` if the task is cancelled.
    public func execute(_ request: OutboundRequest) async throws -> OutboundResponse {
        let ticket = TransferTicket(id: self.nextTransferID.add(1, ordering: .relaxed).newValue)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                switch ticket.submit({ self.loop.start(request, ticket: ticket, continuation: continuation) }) {
                case .queued:
                    break
                case .cancelledEarly:
                    continuation.resume(throwing: CancellationError())
                case .refused:
                    continuation.resume(throwing: OutboundClientError.shutdown(requestWasSent: false))
                }
            }
        } onCancel: {
            if ticket.cancel() {
                self.loop.cancel(ticket.id)
            }
        }
    }

    /// Fails requests still in flight with ``OutboundClientError/shutdown``, closes every connection
    /// and stops the transfer thread. Later requests fail at once. Safe to call more than once.
    public func shutdown() async {
        await self.loop.shutdown()
    }

    /// Counters since the client started.
    public struct Statistics: Sendable, Equatable {
        /// Transfers that finished, successfully or not.
        public var completedTransfers: Int
        /// New TCP connections opened by successful transfers (reused connections count 0).
        public var connectionsOpened: Int
    }

    /// A snapshot of the client's counters.
    public var statistics: Statistics {
        Statistics(
            completedTransfers: self.counters.completedTransfers.load(ordering: .relaxed),
            connectionsOpened: self.counters.connectionsOpened.load(ordering: .relaxed)
        )
    }
}

extension CurlHTTPClient: Service {
    /// Runs until graceful shutdown, then shuts the client down. Register it *before* the services
    /// that use it: a `ServiceGroup` stops services in reverse order.
    public func run() async throws {
        try? await gracefulShutdown()
        await self.shutdown()
    }
}
