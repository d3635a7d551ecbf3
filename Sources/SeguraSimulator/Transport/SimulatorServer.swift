import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The SwiftNIO side of the simulator: one listening socket, an HTTP/1.1 pipeline (optionally behind TLS) per
/// connection, and its own event loops, released by ``shutdown()``.
final class SimulatorServer: Sendable {
    /// The bound port.
    let port: Int
    /// `http(s)://host:port`, with a wildcard bind address replaced by loopback so it can be dialled.
    let baseURL: String
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let logger: Logger
    private let isShutDown = Mutex(false)

    private init(port: Int, baseURL: String, group: MultiThreadedEventLoopGroup, channel: any Channel, logger: Logger) {
        self.port = port
        self.baseURL = baseURL
        self.group = group
        self.channel = channel
        self.logger = logger
    }

    /// Binds `configuration.host:port` and starts accepting; every accepted connection is counted in the engine.
    static func start(
        configuration: SimulatorConfiguration,
        engine: SharedSimulatorEngine,
        logger: Logger
    ) async throws -> SimulatorServer {
        let sslContext = try configuration.tls.map(Self.makeSSLContext)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    engine.withLock { $0.recordAcceptedConnection() }
                    let peerIsLoopback = Self.isLoopback(channel.remoteAddress)
                    return channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(ConnectionResetHandler())
                        if let sslContext {
                            try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                        }
                        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                        try pipeline.addHandler(
                            SimulatorHTTPHandler(engine: engine, peerIsLoopback: peerIsLoopback, logger: logger)
                        )
                    }
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
            guard let port = channel.localAddress?.port else {
                throw ChannelError.unknownLocalAddress
            }
            let scheme = sslContext == nil ? "http" : "https"
            let baseURL = "\(scheme)://\(Self.dialableHost(configuration.host)):\(port)"
            logger.debug("segura-simulator listening", metadata: ["url": "\(baseURL)"])
            return SimulatorServer(port: port, baseURL: baseURL, group: group, channel: channel, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Closes the listening socket, then shuts the event loops down, which closes every open connection.
    func shutdown() async throws {
        let first = self.isShutDown.withLock { isShutDown in
            defer { isShutDown = true }
            return !isShutDown
        }
        guard first else {
            return
        }
        // Already closed is fine: the goal is a closed socket.
        try? await self.channel.close().get()
        try await self.group.shutdownGracefully()
        self.logger.debug("segura-simulator stopped", metadata: ["url": "\(self.baseURL)"])
    }

    private static func makeSSLContext(_ files: TLSFiles) throws(SimulatorError) -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(files.certificateChainPath).map {
                NIOSSLCertificateSource.certificate($0)
            }
            let key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.applicationProtocols = ["http/1.1"]
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw .tlsSetupFailed("\(error)")
        }
    }

    private static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else {
            return false
        }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    private static func dialableHost(_ host: String) -> String {
        switch host {
        case "0.0.0.0": "127.0.0.1"
        case "::": "[::1]"
        case _ where host.contains(":"): "[\(host)]"
        default: host
        }
    }
}
