import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The first handler of every connection: on a ``ResetEvent`` it closes the socket with `SO_LINGER {1, 0}`, so
/// the kernel sends a TCP RST instead of a FIN.
///
/// It sits before TLS on purpose: a close issued here skips `NIOSSLHandler`, which would otherwise send
/// `close_notify` and wait for the peer's.
final class ConnectionResetHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = NIOAny

    /// The outbound user event that asks for the reset; later handlers send it towards the socket.
    struct ResetEvent: Sendable {}

    /// Resets the connection on a ``ResetEvent``; passes every other event on.
    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is ResetEvent, let socket = context.channel as? any SocketOptionProvider else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
            // Closing is what matters; without the option the peer sees a FIN, which tests would notice.
            context.close(promise: promise)
        }
    }
}

@available(*, unavailable)
extension ConnectionResetHandler: Sendable {}
