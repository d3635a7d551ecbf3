import NIOHTTP1

extension SimulatorEngine {
    /// Above this many tokens, issuing one first drops the expired ones, so benchmarks do not grow the table
    /// without bound.
    private static let tokenPruneThreshold = 4096

    /// The OAuth 2.0 client-credentials token endpoint.
    ///
    /// Texts and statuses follow `thephpleague/oauth2-server`, whose "Client authentication failed" text Segura
    /// shows (segura-api.md §3.1): the grant type is checked first (400 `unsupported_grant_type`), then the
    /// client (401 `invalid_client`, with `WWW-Authenticate` when the request had an `Authorization` header).
    /// Assumptions: any method is accepted (the library does not check it) and only a form-encoded body is read;
    /// missing credentials answer `invalid_client` like wrong ones.
    mutating func issueToken(_ request: SimulatorRequest, at now: ContinuousClock.Instant) -> SimulatorResponse {
        self.stats.tokenRequests += 1
        let isForm =
            request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
        let form = isForm ? FormURLEncoding.parse(request.body) : [:]
        guard form["grant_type"] == "client_credentials" else {
            return .proxied(
                .badRequest,
                body: Self.oauthError(
                    "unsupported_grant_type",
                    "The authorization grant type is not supported by the authorization server."
                )
            )
        }
        let authorization = request.header("Authorization")
        let credentials = ClientCredentials(form: form, authorization: authorization)
        guard credentials.match(id: self.configuration.clientID, secret: self.configuration.clientSecret) else {
            var challenge: HTTPHeaders = [:]
            if let authorization {
                let scheme = authorization.lowercased().hasPrefix("bearer") ? "Bearer" : "Basic"
                challenge.add(name: "WWW-Authenticate", value: "\(scheme) realm=\"OAuth\"")
            }
            return .proxied(
                .unauthorized,
                body: Self.oauthError("invalid_client", "Client authentication failed"),
                extraHeaders: challenge
            )
        }
        if self.tokens.count >= Self.tokenPruneThreshold {
            self.tokens = self.tokens.filter { $0.value > now }
        }
        let token = Self.makeToken()
        self.tokens[token] = now + self.configuration.tokenLifetime
        self.stats.tokensIssued += 1
        let expiresIn = self.configuration.tokenLifetime.components.seconds
        return .proxied(
            .ok,
            body: "{\"token_type\":\"Bearer\",\"expires_in\":\(expiresIn),\"access_token\":\"\(token)\"}",
            extraHeaders: ["Cache-Control": "no-store", "Pragma": "no-cache"]
        )
    }

    /// Whether the request carries `Authorization: Bearer <token>` with a live token.
    func isAuthorized(_ request: SimulatorRequest, at now: ContinuousClock.Instant) -> Bool {
        guard let header = request.header("Authorization") else {
            return false
        }
        let parts = header.trimmingASCIIWhitespace().split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            let expiry = self.tokens[String(parts[1].trimmingASCIIWhitespace())]
        else {
            return false
        }
        return now < expiry
    }

    /// The answer to an API request whose token is missing, unknown, expired or revoked.
    func invalidTokenResponse(for request: SimulatorRequest) -> SimulatorResponse {
        switch self.configuration.invalidTokenResponse {
        case .kongNoRoute:
            .kongNoRoute(for: request)
        case .unauthorized:
            .proxied(
                .unauthorized,
                body: Self.oauthError(
                    "access_denied",
                    "The resource owner or authorization server denied the request."
                )
            )
        }
    }

    /// Forgets every token, so the next API call with one gets ``invalidTokenResponse(for:)``.
    mutating func revokeAllTokens() -> Int {
        defer { self.tokens.removeAll() }
        return self.tokens.count
    }

    /// `{"error":…,"message":…}`, the body shape of the library's errors as Segura documents them.
    private static func oauthError(_ error: String, _ message: String) -> String {
        "{\"error\":\(JSONText.quoted(error)),\"message\":\(JSONText.quoted(message))}"
    }

    /// An opaque token: 32 random bytes from the system CSPRNG, as hex.
    private static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
