#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A deliberately small HTTP/1.1 client over one loopback TCP connection, so tests see exactly what goes over
/// the wire: how many connections, keep-alive, and whether the server ended with a FIN or an RST.
///
/// Reads never block a thread: they poll the socket and sleep the task in between. The whole test process
/// shares Swift concurrency's few cooperative threads (one per core), so a blocking read waiting for a
/// deliberately delayed answer would stall every other test running meanwhile. Every read gives up after ten
/// seconds, so a broken server fails a test instead of hanging it.
public final class RawHTTPConnection {
    /// How the server ended the connection.
    public enum End: Equatable, Sendable {
        case closed
        case reset
    }

    private let descriptor: Int32
    private var isClosed = false
    private var buffer: [UInt8] = []

    public init(port: Int) throws {
        #if canImport(Glibc)
            let streamType = Int32(SOCK_STREAM.rawValue)
        #else
            let streamType = SOCK_STREAM
        #endif
        let descriptor = socket(AF_INET, streamType, 0)
        guard descriptor >= 0 else {
            throw RawHTTPError("socket() failed: errno \(errno)")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            closeDescriptor(descriptor)
            throw RawHTTPError("connect() failed: errno \(errno)")
        }
        self.descriptor = descriptor
    }

    deinit {
        self.close()
    }

    /// Closes the connection now, as a client that goes away does.
    public func close() {
        guard !self.isClosed else { return }
        self.isClosed = true
        closeDescriptor(self.descriptor)
    }

    /// Whether the server has ended the connection (a FIN or an RST), without waiting or reading data.
    public func peerHasClosed() -> Bool {
        var byte: UInt8 = 0
        let count = recv(self.descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Whether the server has sent anything not yet read, without waiting.
    public func hasBufferedOrPendingData() -> Bool {
        guard self.buffer.isEmpty else { return true }
        var byte: UInt8 = 0
        return recv(self.descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }

    /// Sends raw bytes.
    public func write(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { send(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else {
                throw RawHTTPError("send() failed: errno \(errno)")
            }
            bytes = bytes.dropFirst(sent)
        }
    }

    /// Sends one request (with `Host` and `Content-Length`) and reads its response.
    public func request(
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: String = ""
    ) async throws -> RawHTTPResponse {
        try self.write(Self.format(method, path, headers: headers, body: body))
        return try await self.readResponse()
    }

    /// The bytes of one request.
    public static func format(_ method: String, _ path: String, headers: [(String, String)] = [], body: String = "") -> String
    {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers {
            text += "\(name): \(value)\r\n"
        }
        return text + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    /// Reads one response framed by `Content-Length` (the simulator always sends it).
    public func readResponse() async throws -> RawHTTPResponse {
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = self.buffer.indices.first { self.buffer[$0...].starts(with: separator) }
            if headerEnd == nil, try await !self.fill() {
                throw RawHTTPError("the connection ended before a response")
            }
        }
        let head = String(decoding: self.buffer[..<headerEnd!], as: UTF8.self)
        var lines = head.split(separator: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw RawHTTPError("bad status line")
        }
        let headers = lines.map { line in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            return (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
        }
        let response = RawHTTPResponse(status: status, headers: headers, body: "")
        let length = Int(response.header("Content-Length") ?? "") ?? 0
        let bodyStart = headerEnd! + separator.count
        while self.buffer.count < bodyStart + length {
            guard try await self.fill() else {
                throw RawHTTPError("the connection ended inside a body")
            }
        }
        let body = String(decoding: self.buffer[bodyStart..<bodyStart + length], as: UTF8.self)
        self.buffer.removeFirst(bodyStart + length)
        return RawHTTPResponse(status: status, headers: headers, body: body)
    }

    /// Reads until the server ends the connection and reports how; unexpected data is an error.
    public func readEnd() async throws -> End {
        guard self.buffer.isEmpty else {
            throw RawHTTPError("unread data before the end of the connection")
        }
        do {
            guard try await !self.fill() else {
                throw RawHTTPError("the server sent data instead of closing")
            }
            return .closed
        } catch let error as RawHTTPError where error.errorNumber == ECONNRESET {
            return .reset
        }
    }

    /// Appends what the next successful `recv` returns; `false` at end of stream.
    private func fill() async throws -> Bool {
        let giveUp = ContinuousClock.now + .seconds(10)
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count >= 0 {
                self.buffer.append(contentsOf: chunk[..<count])
                return count > 0
            }
            let error = errno
            guard error == EAGAIN || error == EWOULDBLOCK else {
                throw RawHTTPError("recv() failed: errno \(error)", errorNumber: error)
            }
            guard ContinuousClock.now < giveUp else {
                throw RawHTTPError("no data for ten seconds", errorNumber: error)
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

/// `close(2)`, under a name a type's own `close()` does not shadow.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// One response as read off the wire.
public struct RawHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: String

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// A failure of the test client, with the `errno` when one applies.
public struct RawHTTPError: Error, CustomStringConvertible {
    public var description: String
    public var errorNumber: Int32?

    init(_ description: String, errorNumber: Int32? = nil) {
        self.description = description
        self.errorNumber = errorNumber
    }
}
