import CurlHTTPClient
import GatewaySecurity
import Logging
import SeguraClient

/// Everything the gateway needs to run, validated.
///
/// Built by ``GatewayConfigurationLoader`` from a YAML file and the environment, or directly in code
/// (the demo and the tests).
public struct GatewayConfiguration: Sendable {
    /// Where the gateway listens and what it accepts.
    public struct HTTP: Sendable {
        /// The address to bind. Default `127.0.0.1`.
        public var host = "127.0.0.1"
        /// The port. Default 8080; 0 picks a free port.
        public var port = 8080
        /// The largest request body accepted; a larger one gets 413 before it is read. Default 64 KiB.
        public var maxBodyBytes = 64 * 1024

        /// Creates the defaults.
        public init() {}
    }

    /// One sender of webhooks: how it signs and what it may do.
    public struct Caller: Sendable {
        /// The caller's name, used in logs, metrics and answers.
        public var name: String
        /// Verifies its signatures, with every active secret.
        public var verifier: CallerVerifier
        /// What it may ask for.
        public var policy: CallerPolicy

        /// Creates a caller.
        public init(name: String, verifier: CallerVerifier, policy: CallerPolicy) {
            self.name = name
            self.verifier = verifier
            self.policy = policy
        }
    }

    /// Listener settings.
    public var http: HTTP
    /// Segura's address, credentials and retry rules.
    public var segura: SeguraClient.Configuration
    /// The outbound HTTP client's settings (timeouts, pool, TLS, proxy).
    public var outbound: CurlHTTPClient.Configuration
    /// The callers, in the order they are tried.
    public var callers: [Caller]
    /// The log level.
    public var logLevel: Logger.Level
    /// The SQLite file holding deliveries and the audit trail. Default `segura-gateway.sqlite`.
    public var storePath: String = "segura-gateway.sqlite"
    /// How long a delivery id is remembered (and its answer replayed). Default 24 h.
    public var deliveryExpiry: Duration = .seconds(24 * 3600)
    /// How long an unanswered claim (its process died) blocks its delivery before a retry takes it over and
    /// acts again. Must exceed the Segura deadline, or a slow attempt and its takeover would both act. Default 60 s.
    public var staleClaimAfter: Duration = .seconds(60)
    /// `false` runs with no store at all: no idempotency, no replay protection, no audit trail. It exists only
    /// as the baseline of the durability benchmark (`segura-gateway demo --without-store`); the configuration
    /// file has no key for it, so `serve` always keeps durable state.
    public var keepsDurableState = true

    /// Creates a configuration.
    public init(
        http: HTTP = .init(),
        segura: SeguraClient.Configuration,
        outbound: CurlHTTPClient.Configuration = .init(),
        callers: [Caller],
        logLevel: Logger.Level = .info
    ) {
        self.http = http
        self.segura = segura
        self.outbound = outbound
        self.callers = callers
        self.logLevel = logLevel
    }
}
