import NIOHTTP1

/// One complete HTTP request, as the transport hands it to the engine.
struct SimulatorRequest: Sendable {
    /// The request method.
    var method: HTTPMethod
    /// The request target as sent: path plus optional query.
    var uri: String
    /// The request headers; lookups are case-insensitive.
    var headers: HTTPHeaders
    /// The request body bytes.
    var body: [UInt8]
    /// Whether the peer connected from a loopback address; the control API answers only those.
    var peerIsLoopback: Bool

    /// Creates a request; the defaults suit engine tests.
    init(
        _ method: HTTPMethod,
        _ uri: String,
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        peerIsLoopback: Bool = true
    ) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.peerIsLoopback = peerIsLoopback
    }

    /// The path without the query string, which no simulated route uses.
    var path: Substring {
        self.uri.prefix { $0 != "?" }
    }

    /// The value of the first header called `name`, if any.
    func header(_ name: String) -> String? {
        self.headers.first(name: name)
    }
}
