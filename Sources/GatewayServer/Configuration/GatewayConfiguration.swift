import CurlHTTPClient
import Foundation
import GatewayPostgresStore
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
        /// The most client connections open at once. Past it the gateway stops accepting: new connections wait
        /// in the kernel's listen backlog until one closes. Default 1024, well below a default 65,536-descriptor
        /// limit, so descriptors are never exhausted by clients.
        public var maxConnections = 1024
        /// How long a connection may stay open with no request part read or answer written (a keep-alive
        /// connection between requests, a request head that never completes, a body that stalls). Default 60 s.
        public var idleTimeout: Duration = .seconds(60)
        /// How long a request head may take from its first byte to its last. Default 10 s.
        public var headerTimeout: Duration = .seconds(10)
        /// How long a request body may take from the end of the head to its last byte. Default 30 s.
        public var bodyTimeout: Duration = .seconds(30)
        /// The most signed requests the gateway works on at once; past it a request gets 503
        /// `gateway_overloaded` with `Retry-After` instead of waiting behind a slow Segura. Default 256.
        public var maxRequestsInFlight = 256

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
        /// Where the caller hears about its grants' transitions; `nil` sends nothing.
        public var callback: Callback?
        /// How many signed requests the caller may send; `nil` sets no limit.
        public var rateLimit: RateLimit?
        /// For a chat platform: its people and how answers reach them. A chat caller is served on its platform's
        /// route only, and an API caller never there.
        public var chat: Chat?
        /// Which of the caller's requests wait for a second person's approval; `nil` waits for none. A chat person's
        /// own rule replaces it for their requests.
        public var approval: ApprovalRule?

        /// Creates a caller.
        public init(
            name: String, verifier: CallerVerifier, policy: CallerPolicy, callback: Callback? = nil, rateLimit: RateLimit? = nil, chat: Chat? = nil
        ) {
            self.name = name
            self.verifier = verifier
            self.policy = policy
            self.callback = callback
            self.rateLimit = rateLimit
            self.chat = chat
        }
    }

    /// The operations listener: `/healthz`, `/readyz` and `/metrics` on an address of their own.
    public struct Operations: Sendable {
        /// The address to bind. Default `127.0.0.1`.
        public var host = "127.0.0.1"
        /// The port; 0 picks a free one.
        public var port: Int

        /// Creates an operations listener on `port`.
        public init(host: String = "127.0.0.1", port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// A token bucket: `burst` requests at once, refilled at `requestsPerSecond`.
    public struct RateLimit: Sendable, Equatable {
        /// The sustained rate.
        public var requestsPerSecond: Double
        /// The most requests accepted at once after a quiet period.
        public var burst: Int

        /// The sustained rate per minute, as configured (`rate_limit.requests_per_minute`).
        public var requestsPerMinute: Int { Int((self.requestsPerSecond * 60).rounded()) }

        /// Creates a limit.
        public init(requestsPerSecond: Double, burst: Int) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
        }
    }

    /// A caller's callback: grant events are POSTed to `url`, signed with Standard Webhooks under `secret`.
    public struct Callback: Sendable {
        /// An absolute http(s) URL.
        public var url: String
        /// A `whsec_` secret; the receiver verifies with it.
        public var secret: WebhookSecret

        /// Creates a callback.
        public init(url: String, secret: WebhookSecret) {
            self.url = url
            self.secret = secret
        }
    }

    /// How the gateway revokes time-bound grants and delivers their callbacks.
    public struct Grants: Sendable {
        /// Names this process's revocation leases, so on start-up it takes back at once the attempts a killed
        /// run of itself left. The default, `local`, suits the one process an SQLite store has; replicas sharing
        /// a store need one each, stable across their restarts (a host name may not be, in a container).
        public var instanceID: String
        /// The most revocations run at once. Default 8.
        public var revocationConcurrency = 8
        /// The longest the scheduler sleeps between looks at the store: the bound on how late a revocation
        /// starts (besides running ones). Default 250 ms.
        public var pollInterval: Duration = .milliseconds(250)
        /// The first retry of a failed revocation waits this long, doubling each time up to ``retryMaximum``.
        /// Default 2 s.
        public var retryInitial: Duration = .seconds(2)
        /// The longest wait between retries. Default 5 min.
        public var retryMaximum: Duration = .seconds(300)
        /// After this many failed attempts, a retryable failure is terminal too (`revoke_failed`). Default 20.
        public var maximumRevokeAttempts = 20
        /// Attempts to deliver one callback event before giving up. Default 8.
        public var callbackAttempts = 8

        /// Creates the defaults.
        public init(instanceID: String = "local") {
            self.instanceID = instanceID
        }
    }

    /// Listener settings.
    public var http: HTTP
    /// Where probes and metrics are served apart from callers; `nil` serves them on ``http``.
    public var operations: Operations?
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
    /// The PostgreSQL database shared by several replicas (`store.postgres`); when set, it is the store and
    /// ``storePath`` is not used.
    public var postgres: PostgresGatewayStore.Configuration?
    /// How long a delivery id is remembered (and its answer replayed). Default 24 h.
    public var deliveryExpiry: Duration = .seconds(24 * 3600)
    /// How long an unanswered claim (its process died) blocks its delivery before a retry takes it over and
    /// acts again. Must exceed the Segura deadline, or a slow attempt and its takeover would both act. Default 60 s.
    public var staleClaimAfter: Duration = .seconds(60)
    /// How often expired deliveries are deleted from the store. Default 5 min, so each purge is small.
    public var purgeInterval: Duration = .seconds(300)
    /// How often requests refused before any caller was identified are summarized in the audit trail (one
    /// `refusals_summarized` record per error code). Default 60 s.
    public var refusalSummaryInterval: Duration = .seconds(60)
    /// `false` runs with no store at all: no idempotency, no replay protection, no audit trail. It exists only
    /// as the baseline of the durability benchmark (`segura-gateway demo --without-store`); the configuration
    /// file has no key for it, so `serve` always keeps durable state.
    public var keepsDurableState = true
    /// Revocation and callback settings.
    public var grants = Grants()

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

extension GatewayConfiguration {
    /// How often a change queued behind others on its target renews its delivery claim, so that it never looks
    /// abandoned: half the margin between ``staleClaimAfter`` and one attempt's deadline. Renewed about that
    /// long before its turn at most (plus the time of one write), the claim outlives the change's own attempt
    /// with the other half to spare. At least 100 ms.
    public var claimRenewal: Duration {
        max((self.staleClaimAfter - self.segura.retry.deadline) / 2, .milliseconds(100))
    }
}

extension GatewayConfiguration.Grants {
    /// The wait before attempt `attempt + 1`: ``retryInitial`` doubled per earlier attempt, capped at
    /// ``retryMaximum``, with "equal jitter" (half fixed, half random), so many failures do not retry in lockstep.
    func backoff(afterAttempt attempt: Int) -> Duration {
        let doublings = min(max(attempt - 1, 0), 30)
        let capped = min(self.retryInitial.timeInterval * pow(2, Double(doublings)), self.retryMaximum.timeInterval)
        return .milliseconds(Int64((capped / 2 + Double.random(in: 0...(capped / 2))) * 1000))
    }
}
