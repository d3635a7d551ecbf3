import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request head or body arrives too slowly: a slow client (or a slowloris
/// attacker) holds a connection for at most the deadline, not for as long as it keeps trickling bytes.
///
/// - The head must arrive within `headerTimeout` of its first byte. The handler sits after the HTTP decoder,
///   which emits nothing until a head is complete, so "a byte arrived" is a `channelReadComplete` with no
///   request in progress.
/// - The body must arrive within `bodyTimeout` of the end of the head, however steadily it trickles.
///
/// Waiting between requests, and a connection that sends nothing at all, are the idle timeout's business
/// (Hummingbird's `HTTPConnectionStateHandler`). Time spent answering is not limited here: the request is
/// complete and the gateway's own deadlines (Segura's, the store's) bound it.
///
/// Expired connections are closed without an answer, as Go's `ReadHeaderTimeout` and nginx's
/// `client_body_timeout` do: the request is incomplete, so nothing was acted on.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Which deadline closed a connection, for the metric's label.
    enum Expiry: String, Sendable {
        case header = "header_timeout"
        case body = "body_timeout"
    }

    private enum Phase {
        /// No request is being read; the next byte starts a head.
        case betweenRequests
        case readingHead
        case readingBody
        /// Whole requests are being answered; bytes that arrive now are a pipelined request, whose head
        /// deadline starts once the answers are written.
        case answering
    }

    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let onExpiry: @Sendable (Expiry) -> Void
    private var phase = Phase.betweenRequests
    /// Requests whose head was read and whose answer is not yet fully written.
    private var requestsUnanswered = 0
    private var deadline: Scheduled<Void>?

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount, onExpiry: @escaping @Sendable (Expiry) -> Void) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.onExpiry = onExpiry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head:
            self.requestsUnanswered += 1
            self.phase = .readingBody
            self.arm(self.bodyTimeout, .body, context: context)
        case .body:
            break
        case .end:
            // An answer sent before the body ended (a 413 from `Content-Length`) leaves nothing to answer.
            self.phase = self.requestsUnanswered > 0 ? .answering : .betweenRequests
            self.disarm()
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .betweenRequests = self.phase {
            self.phase = .readingHead
            self.arm(self.headerTimeout, .header, context: context)
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = self.unwrapOutboundIn(data) {
            self.requestsUnanswered = max(0, self.requestsUnanswered - 1)
            if self.requestsUnanswered == 0, case .answering = self.phase {
                self.phase = .betweenRequests
            }
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.disarm()
    }

    private func arm(_ timeout: TimeAmount, _ expiry: Expiry, context: ChannelHandlerContext) {
        self.disarm()
        self.deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.deadline = nil
            self.onExpiry(expiry)
            context.close(promise: nil)
        }
    }

    private func disarm() {
        self.deadline?.cancel()
        self.deadline = nil
    }
}
