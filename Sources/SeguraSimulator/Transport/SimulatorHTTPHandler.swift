import Logging
import NIOCore
import NIOHTTP1

/// Collects each HTTP/1.1 request, asks the engine what to do and writes the answer, keeping the connection
/// alive unless the client asked otherwise.
///
/// `HTTPServerPipelineHandler` (installed before it) holds pipelined requests back until the previous response
/// is complete, so delayed answers still go out in order.
final class SimulatorHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Requests with a larger body are refused by closing the connection; the real API takes no large bodies.
    private static let maximumBodySize = 1 << 20

    private let engine: SharedSimulatorEngine
    private let peerIsLoopback: Bool
    private let logger: Logger
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    /// Creates the handler of one connection; `peerIsLoopback` gates the control API.
    init(engine: SharedSimulatorEngine, peerIsLoopback: Bool, logger: Logger) {
        self.engine = engine
        self.peerIsLoopback = peerIsLoopback
        self.logger = logger
    }

    /// Accumulates the head and body of a request and answers it at its end.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body.removeAll(keepingCapacity: true)
        case .body(let buffer):
            guard self.body.count + buffer.readableBytes <= Self.maximumBodySize else {
                self.logger.warning("closing connection: request body over \(Self.maximumBodySize) bytes")
                self.head = nil
                context.close(promise: nil)
                return
            }
            self.body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head = self.head else {
                return
            }
            self.head = nil
            self.respond(to: head, context: context)
        }
    }

    /// Closes the connection on any error (a TLS handshake failure, a reset by the peer, …).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("closing connection after error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let request = SimulatorRequest(
            head.method,
            head.uri,
            headers: head.headers,
            body: self.body,
            peerIsLoopback: self.peerIsLoopback
        )
        let (outcome, call) = self.engine.withLock { engine in
            let call = engine.beginCall(request)
            return (engine.handle(request, at: .now), call)
        }
        let endCall = { if let call { self.engine.withLock { $0.endCall(on: call) } } }
        switch outcome {
        case .respond(let response, let delay) where delay > .zero:
            self.logger.trace("delaying response", metadata: ["delay": "\(delay)", "path": "\(request.path)"])
            context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
                self.write(response, to: head, context: context)
                endCall()
            }
        case .respond(let response, _):
            self.write(response, to: head, context: context)
            endCall()
        case .resetConnection:
            self.logger.trace("resetting connection", metadata: ["path": "\(request.path)"])
            context.triggerUserOutboundEvent(ConnectionResetHandler.ResetEvent(), promise: nil)
            endCall()
        }
    }

    private func write(_ response: SimulatorResponse, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        self.logger.trace(
            "response",
            metadata: ["method": "\(request.method)", "path": "\(request.uri)", "status": "\(response.status.code)"]
        )
        let keepAlive = request.isKeepAlive
        let mayHaveBody = response.status.mayHaveResponseBody && request.method != .HEAD
        var headers = response.headers
        if response.status.mayHaveResponseBody {
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.utf8.count))
        }
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let responseHead = HTTPResponseHead(version: request.version, status: response.status, headers: headers)
        context.write(self.wrapOutboundOut(.head(responseHead)), promise: nil)
        if mayHaveBody && !response.body.isEmpty {
            let buffer = context.channel.allocator.buffer(string: response.body)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive {
                context.close(promise: nil)
            }
        }
    }
}

@available(*, unavailable)
extension SimulatorHTTPHandler: Sendable {}
