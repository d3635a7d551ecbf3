/// Why an outbound HTTP request failed before a complete response arrived.
///
/// Modelled on async-http-client's `HTTPClientError`: a struct wrapping a private code, so new
/// failure kinds can be added without breaking callers. Two errors are equal when their kinds are
/// equal; `detail` (libcurl's own text) is for logs and is not compared.
///
/// ``requestWasSent`` tells whether the server may have acted: a DNS, connect or TLS failure means
/// the request never left, while a timeout or a reset after sending leaves the outcome unknown.
public struct OutboundClientError: Error, Hashable, CustomStringConvertible {
    private enum Code: String, Hashable {
        case invalidRequest = "invalid_request"
        case dnsFailure = "dns_failure"
        case connectFailure = "connect_failure"
        case connectTimeout = "connect_timeout"
        case tlsFailure = "tls_failure"
        case proxyFailure = "proxy_failure"
        case timeout = "timeout"
        case connectionReset = "connection_reset"
        case responseTooLarge = "response_too_large"
        case invalidResponse = "invalid_response"
        case transferFailed = "transfer_failed"
        case shutdown = "shutdown"
    }

    private let code: Code
    /// libcurl's explanation (its error buffer), or the client's own; never contains request bodies.
    public let detail: String
    /// The libcurl `CURLcode`, when libcurl reported the failure.
    public let curlCode: Int?
    /// Whether the request may have reached the server, so its effect is unknown rather than absent.
    public let requestWasSent: Bool

    private init(_ code: Code, detail: String = "", curlCode: Int? = nil, requestWasSent: Bool = false) {
        self.code = code
        self.detail = detail
        self.curlCode = curlCode
        self.requestWasSent = requestWasSent
    }

    /// A short, fixed name for the failure kind, safe to use as a metric label.
    public var shortDescription: String { self.code.rawValue }

    public var description: String {
        self.detail.isEmpty ? "OutboundClientError.\(self.code.rawValue)" : "OutboundClientError.\(self.code.rawValue): \(self.detail)"
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }

    /// The request could not be expressed to libcurl (bad URL, scheme or option).
    public static let invalidRequest = Self(.invalidRequest)
    /// The host name could not be resolved.
    public static let dnsFailure = Self(.dnsFailure)
    /// The TCP connection was refused or could not be made.
    public static let connectFailure = Self(.connectFailure)
    /// No connection was established within the connect timeout.
    public static let connectTimeout = Self(.connectTimeout)
    /// The TLS handshake failed, including certificate verification.
    public static let tlsFailure = Self(.tlsFailure)
    /// The proxy could not be resolved, reached or used.
    public static let proxyFailure = Self(.proxyFailure)
    /// The total time limit ran out after the request was sent.
    public static let timeout = Self(.timeout)
    /// The connection was reset or closed while the request or response was in transfer.
    public static let connectionReset = Self(.connectionReset)
    /// The response was larger than the configured cap and was abandoned.
    public static let responseTooLarge = Self(.responseTooLarge)
    /// The server's reply was not valid HTTP.
    public static let invalidResponse = Self(.invalidResponse)
    /// Any other libcurl failure; ``curlCode`` says which.
    public static let transferFailed = Self(.transferFailed)
    /// The client was shut down before or during the request.
    public static let shutdown = Self(.shutdown)

    static func invalidRequest(_ detail: String) -> Self { Self(.invalidRequest, detail: detail) }
    static func shutdown(requestWasSent: Bool) -> Self { Self(.shutdown, detail: "the HTTP client was shut down", requestWasSent: requestWasSent) }
}

extension OutboundClientError {
    /// Classifies a failed libcurl transfer.
    ///
    /// - Parameters:
    ///   - curlCode: the `CURLcode` of the finished transfer.
    ///   - detail: libcurl's error buffer.
    ///   - requestWasSent: whether libcurl reached the point of sending the request (its pre-request callback ran).
    ///   - exceededBodyLimit: whether our write callback aborted the transfer for size.
    static func classify(curlCode: Int, detail: String, requestWasSent: Bool, exceededBodyLimit: Bool) -> Self {
        let code: Code
        switch curlCode {
        case 63: code = .responseTooLarge  // CURLE_FILESIZE_EXCEEDED: Content-Length above CURLOPT_MAXFILESIZE
        case 23 where exceededBodyLimit: code = .responseTooLarge  // CURLE_WRITE_ERROR from our callback
        case 1, 3: code = .invalidRequest  // CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT
        case 5, 97: code = .proxyFailure  // CURLE_COULDNT_RESOLVE_PROXY, CURLE_PROXY
        case 6: code = .dnsFailure  // CURLE_COULDNT_RESOLVE_HOST
        case 7: code = .connectFailure  // CURLE_COULDNT_CONNECT
        case 28: code = requestWasSent ? .timeout : .connectTimeout  // CURLE_OPERATION_TIMEDOUT
        // CURLE_SSL_CONNECT_ERROR, _CERTPROBLEM, _CIPHER, PEER_FAILED_VERIFICATION, _CACERT_BADFILE,
        // _CRL_BADFILE, _ISSUER_ERROR, _PINNEDPUBKEYNOTMATCH, _INVALIDCERTSTATUS, _CLIENTCERT
        case 35, 58, 59, 60, 77, 82, 83, 90, 91, 98: code = .tlsFailure
        // CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_HTTP2_STREAM
        case 18, 52, 55, 56, 92: code = .connectionReset
        case 8: code = .invalidResponse  // CURLE_WEIRD_SERVER_REPLY
        default: code = .transferFailed
        }
        // Failures that happen before the request is written cannot have reached the server.
        let sent: Bool
        switch code {
        case .dnsFailure, .connectFailure, .connectTimeout, .tlsFailure, .proxyFailure, .invalidRequest: sent = false
        default: sent = requestWasSent
        }
        return Self(code, detail: detail, curlCode: curlCode, requestWasSent: sent)
    }
}
