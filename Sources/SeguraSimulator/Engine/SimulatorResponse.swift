import NIOHTTP1

/// One HTTP response; the transport adds `Content-Length` and `Connection`.
struct SimulatorResponse: Sendable, Equatable {
    /// The response status.
    var status: HTTPResponseStatus
    /// The response headers, without `Content-Length`.
    var headers: HTTPHeaders
    /// The response body; every simulated body is text.
    var body: String
}
