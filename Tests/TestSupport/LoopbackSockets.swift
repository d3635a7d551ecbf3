#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from a socket call in a test helper, with the call's name and `errno`.
public struct SocketSetupError: Error, CustomStringConvertible {
    public let call: String
    public let code: Int32
    public var description: String { "\(self.call) failed with errno \(self.code)" }
}

private func check(_ result: Int32, _ call: String) throws -> Int32 {
    guard result >= 0 else { throw SocketSetupError(call: call, code: errno) }
    return result
}

/// Binds a TCP socket to 127.0.0.1 on a free port; returns the descriptor and the port.
private func boundLoopbackSocket() throws -> (descriptor: Int32, port: Int) {
    let descriptor = try check(socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0), "socket")
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &address) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            _ = try check(bind(descriptor, socketAddress, length), "bind")
            _ = try check(getsockname(descriptor, socketAddress, &length), "getsockname")
        }
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

/// A loopback port with nothing listening on it, so connecting is refused at once, for as long as this object
/// lives: the socket stays bound (but never listens), so no other test can take the port meanwhile.
public final class RefusingLoopbackPort: Sendable {
    /// The port to connect to.
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        (self.descriptor, self.port) = try boundLoopbackSocket()
    }

    deinit {
        close(self.descriptor)
    }
}

/// A loopback listener that never accepts and whose accept queue is full, so a new connection's SYN
/// is dropped and the connect attempt hangs until the client's connect timeout.
public final class FullBacklogListener {
    /// The port to connect to.
    public let port: Int
    private let listener: Int32
    private var fillers: [Int32] = []

    public init() throws {
        (self.listener, self.port) = try boundLoopbackSocket()
        _ = try check(listen(self.listener, 0), "listen")
        // Linux queues backlog + 1 connections; a few more fill it for certain.
        for _ in 0..<4 {
            let filler = try check(socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0), "socket")
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(self.port).bigEndian
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            self.fillers.append(filler)
        }
    }

    /// Closes the listener and the filler connections.
    public func close() {
        for descriptor in self.fillers + [self.listener] {
            #if canImport(Glibc)
            _ = Glibc.close(descriptor)
            #else
            _ = Darwin.close(descriptor)
            #endif
        }
        self.fillers = []
    }
}
