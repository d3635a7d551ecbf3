extension SeguraClient {
    /// Where Segura is and how to authenticate to it.
    public struct Configuration: Sendable, CustomStringConvertible {
        /// How the client credentials are presented to the token endpoint (RFC 6749 §2.3.1).
        public enum ClientAuthentication: String, Sendable, CaseIterable {
            /// `client_id` and `client_secret` in the form body: what every public Segura client does.
            case requestBody = "request_body"
            /// An HTTP Basic `Authorization` header, which Segura's help center also documents.
            case basic
        }

        /// The base URL, `https://segura.example.com`, with no path (Segura adds none).
        public var baseURL: String
        /// The OAuth 2.0 client id of the A2A application.
        public var clientID: String
        /// The OAuth 2.0 client secret. Redacted from ``description``; never logged.
        public var clientSecret: String
        /// The token path. Default `/iso/oauth2/token`, the one every public client uses.
        public var tokenPath: String = "/iso/oauth2/token"
        /// The PAM API prefix: `/api` (v3.33 and later, the default) or `/iso` (older Segura).
        public var apiPrefix: String = "/api"
        /// How client credentials are sent. Default ``ClientAuthentication/requestBody``.
        public var clientAuthentication: ClientAuthentication = .requestBody
        /// How long before `expires_in` a token is renewed. Default 60 s, and never more than a tenth
        /// of the token's lifetime, so short-lived tokens are still reused.
        public var tokenRenewalMargin: Duration = .seconds(60)
        /// Retry and deadline rules for operations.
        public var retry: RetryPolicy = .init()

        /// Creates a configuration with the documented defaults.
        public init(baseURL: String, clientID: String, clientSecret: String) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.clientID = clientID
            self.clientSecret = clientSecret
        }

        public var description: String {
            "SeguraClient.Configuration(baseURL: \(self.baseURL), clientID: \(self.clientID), clientSecret: <redacted>, "
                + "tokenPath: \(self.tokenPath), apiPrefix: \(self.apiPrefix), clientAuthentication: \(self.clientAuthentication.rawValue))"
        }
    }
}

/// When and how often an operation is retried.
///
/// Enable and disable converge on a desired state, so repeating them is safe: a repeat after an
/// uncertain attempt either applies the change or is answered "already in state". Only failures that
/// may be transient are retried (429, 502, 503, 504, "Request timed out", connection failures,
/// resets and timeouts), with exponential backoff, jitter and one overall deadline.
public struct RetryPolicy: Sendable {
    /// The most attempts, the first included. Default 5.
    public var maxAttempts: Int = 5
    /// The backoff before the second attempt. Default 200 ms; it doubles each time.
    public var initialBackoff: Duration = .milliseconds(200)
    /// The longest single backoff. Default 5 s.
    public var maxBackoff: Duration = .seconds(5)
    /// The time budget for the whole operation, token requests, attempts and backoff included. Default 30 s.
    public var deadline: Duration = .seconds(30)
    /// No retry starts with less time than this left before the deadline. Default 250 ms: an attempt cut
    /// off by the deadline after it was sent would turn a clean "not applied" into an "unknown" outcome.
    public var minimumAttemptTime: Duration = .milliseconds(250)

    /// Creates the default policy.
    public init() {}

    /// The backoff after attempt `attempt` (1-based): half of the exponential step plus a random half
    /// ("equal jitter"), so concurrent callers spread out but never retry at once.
    func backoff(after attempt: Int) -> Duration {
        let exponent = min(attempt - 1, 30)
        let step = min(self.maxBackoff, self.initialBackoff * (1 << exponent))
        return step / 2 + step / 2 * Double.random(in: 0...1)
    }
}
