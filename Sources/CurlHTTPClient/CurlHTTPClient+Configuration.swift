extension CurlHTTPClient {
    /// How the client connects, how long it waits and how much it accepts.
    ///
    /// The defaults suit a gateway calling one upstream: verified TLS, a small bounded pool per host and
    /// a 1 MiB response cap (Segura's answers are a few hundred bytes, so anything bigger is a fault).
    public struct Configuration: Sendable {
        /// Time allowed for DNS, TCP and TLS before the request is sent. Default 5 s.
        public var connectTimeout: Duration = .seconds(5)
        /// Total time allowed for one request, connection included. Default 30 s; a request may override it.
        public var requestTimeout: Duration = .seconds(30)
        /// The most connections open to one host at once. Requests beyond it wait for a free connection,
        /// so a burst never opens an unbounded number of sockets. Default 8.
        public var maxConnectionsPerHost: Int = 8
        /// How many idle connections the pool keeps for reuse across all hosts. Default 32.
        ///
        /// The pool never keeps fewer than ``maxConnectionsPerHost``: a smaller pool would close every
        /// connection above it after one use and open it again under load, a TLS handshake each time.
        public var maxIdleConnections: Int = 32

        /// The connection cache libcurl is given: at least one host's worth of connections.
        var connectionCacheSize: Int { max(1, self.maxIdleConnections, self.maxConnectionsPerHost) }
        /// The largest response body accepted; a larger one fails with ``OutboundClientError/responseTooLarge``. Default 1 MiB.
        public var maxResponseBodySize: Int = 1 << 20
        /// TLS verification and client-certificate settings.
        public var tls: TLS = .init()
        /// An HTTP(S) proxy URL such as `http://proxy.internal:3128`; `nil` connects directly. The usual
        /// `https_proxy` environment variables are ignored: only the configuration chooses a proxy.
        public var proxy: String?
        /// The `User-Agent` header sent with every request.
        public var userAgent: String = "segura-gateway"

        /// Creates the default configuration.
        public init() {}
    }

    /// TLS settings. Verification is on unless ``insecureSkipVerification`` is set explicitly.
    public struct TLS: Sendable, CustomStringConvertible {
        /// A PEM file of trusted CA certificates, replacing the system bundle (for a private PKI).
        public var caFile: String?
        /// A PEM client certificate, for upstreams that require mutual TLS.
        public var clientCertificateFile: String?
        /// The PEM private key for ``clientCertificateFile``.
        public var clientKeyFile: String?
        /// The passphrase of ``clientKeyFile``, if it is encrypted. Never printed.
        public var clientKeyPassword: String?
        /// Turns off certificate and host-name verification. For labs only: the client logs a warning
        /// every time it starts with this set.
        public var insecureSkipVerification: Bool = false

        /// Creates TLS settings with verification on and the system CA bundle.
        public init() {}

        /// A description that names the files but redacts the key passphrase.
        public var description: String {
            "TLS(caFile: \(self.caFile ?? "system"), clientCertificateFile: \(self.clientCertificateFile ?? "none"), "
                + "clientKeyFile: \(self.clientKeyFile ?? "none"), clientKeyPassword: \(self.clientKeyPassword == nil ? "none" : "<redacted>"), "
                + "insecureSkipVerification: \(self.insecureSkipVerification))"
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so that a tiny positive duration never becomes "no limit" (0) in libcurl.
    var wholeMillisecondsRoundedUp: Int {
        let (seconds, attoseconds) = self.components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let remainder = attoseconds % 1_000_000_000_000_000
        return Int(millis) + (remainder > 0 ? 1 : 0)
    }
}
