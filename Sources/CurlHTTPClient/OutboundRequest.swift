/// One HTTP header line, kept as an ordered name/value pair because HTTP allows repeated names.
public struct HTTPHeaderField: Sendable, Hashable {
    /// The field name, as sent or received (compare case-insensitively).
    public var name: String
    /// The field value, without surrounding whitespace.
    public var value: String

    /// Creates a header field.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeaderField {
    /// The value of the first field called `name`, compared case-insensitively as RFC 9110 requires.
    public func first(named name: String) -> String? {
        self.first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

extension String {
    /// ASCII case-insensitive comparison, which is what HTTP field names need (no locale involved).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        self.utf8.elementsEqual(other.utf8) { Self.asciiLowercased($0) == Self.asciiLowercased($1) }
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 0x20 : byte
    }
}

/// A request for ``CurlHTTPClient``: plain values, so it can cross to the transfer thread safely.
public struct OutboundRequest: Sendable {
    /// The request methods the gateway uses; a closed set so a typo cannot reach the wire.
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
        case delete = "DELETE"
        case patch = "PATCH"
        case head = "HEAD"
    }

    /// The request method.
    public var method: Method
    /// The absolute `http` or `https` URL. Other schemes are refused by the client.
    public var url: String
    /// Header fields to send, in order.
    public var headers: [HTTPHeaderField]
    /// The request body; `nil` sends none. `POST`, `PUT` and `PATCH` always send a `Content-Length`.
    public var body: [UInt8]?
    /// A total time limit for this request that replaces the client's `requestTimeout`.
    public var timeout: Duration?

    /// Creates a request.
    public init(
        method: Method,
        url: String,
        headers: [HTTPHeaderField] = [],
        body: [UInt8]? = nil,
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// The answer to an ``OutboundRequest``: the final response after any `1xx` interim responses.
public struct OutboundResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The header fields of the final response, in order.
    public var headers: [HTTPHeaderField]
    /// The whole body, at most the client's `maxResponseBodySize` bytes.
    public var body: [UInt8]
    /// How many new connections this transfer opened: 0 when it reused a pooled connection.
    public var connectionsOpened: Int
    /// Time from the start of the transfer to its end, as measured by libcurl.
    public var totalTime: Duration

    /// Creates a response; the client builds these, tests and simulators may too.
    public init(status: Int, headers: [HTTPHeaderField], body: [UInt8], connectionsOpened: Int = 0, totalTime: Duration = .zero) {
        self.status = status
        self.headers = headers
        self.body = body
        self.connectionsOpened = connectionsOpened
        self.totalTime = totalTime
    }
}
