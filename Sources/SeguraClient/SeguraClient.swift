import CurlHTTPClient
import Foundation
import GatewayVocabulary
import Logging

/// Performs enable and disable operations on Segura's A2A API, exactly as documented, and reports
/// every result in one normalized shape.
///
/// - Authentication: OAuth 2.0 client credentials, token cached until `expires_in` minus a margin,
///   one shared refresh. A 401, or Kong's 404 `no Route matched with those values` (which Segura
///   documents for a missing or invalid `Authorization` header), refreshes the token once and retries.
/// - Convergence: enable and disable aim at a state, so transient failures are retried with backoff
///   and jitter within one deadline, and "already in state" answers count as success.
/// - Results: never throws for upstream failures; ``perform(_:)`` returns a ``SeguraResult`` whose
///   outcome and code come from ``NormalizationTable``.
public final class SeguraClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: Configuration
    private let http: CurlHTTPClient
    private let tokens: AccessTokenStore
    private let logger: Logger

    /// Creates a client that sends its requests through `http`, which the caller owns and shuts down.
    public init(configuration: Configuration, http: CurlHTTPClient, logger: Logger = Logger(label: "segura.client")) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
        self.tokens = AccessTokenStore { [http, configuration] timeout in
            try await Self.fetchToken(http: http, configuration: configuration, timeout: timeout)
        }
    }

    /// Performs `operation`, retrying transient failures until it converges, fails for good, or the
    /// deadline passes.
    ///
    /// - Throws: only `CancellationError`, when the calling task is cancelled.
    public func perform(_ operation: SeguraOperation) async throws -> SeguraResult {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + self.configuration.retry.deadline
        var attempts = 0
        var rounds = 0
        var sawUncertainAttempt = false
        var logger = self.logger
        logger[metadataKey: "segura.operation"] = "\(operation)"

        while true {
            let (normalization, facts, retryAfter, sent) = try await self.attempt(operation, deadline: deadline, logger: logger)
            attempts += sent
            rounds += 1
            var outcome = normalization.outcome
            if outcome == .alreadyInState && sawUncertainAttempt {
                outcome = .applied
            }
            sawUncertainAttempt = sawUncertainAttempt || outcome == .unknown

            let backoff = max(self.configuration.retry.backoff(after: rounds), retryAfter ?? .zero)
            let policy = self.configuration.retry
            let canRetry = normalization.retryable && rounds < policy.maxAttempts && clock.now + backoff + policy.minimumAttemptTime <= deadline
            if !canRetry {
                let result = SeguraResult(
                    operation: operation,
                    outcome: outcome,
                    failure: normalization.code.map {
                        SeguraFailure(code: $0, message: Self.explanation(of: $0, facts: facts), retryable: normalization.retryable)
                    },
                    upstream: facts,
                    attempts: attempts,
                    latency: clock.now - start,
                    convergedAfterUncertainAttempt: outcome == .applied && normalization.outcome == .alreadyInState
                )
                logger.debug(
                    "Segura operation finished",
                    metadata: ["segura.outcome": "\(result.outcome.rawValue)", "segura.attempts": "\(attempts)", "segura.code": "\(normalization.code?.rawValue ?? "-")"]
                )
                return result
            }
            logger.debug("Retrying Segura operation", metadata: ["segura.code": "\(normalization.code?.rawValue ?? "-")", "segura.backoff": "\(backoff)"])
            try await Task.sleep(for: backoff)
        }
    }

    /// How long a failed token request answers readiness checks before another is sent.
    public static let readinessFailureReuse = Duration.seconds(5)

    /// Obtains an access token (or reuses the cached one), for readiness checks.
    ///
    /// Probes are unauthenticated and may come in storms: at most one token request is in flight for all of
    /// them, and a failure is reused for ``readinessFailureReuse`` before Segura is asked again.
    ///
    /// - Returns: `nil` when a token is available, otherwise the stable code of what stopped it.
    public func accessTokenProblem() async -> ErrorCode? {
        do {
            _ = try await self.tokens.token(timeout: self.configuration.retry.deadline, failureReuse: Self.readinessFailureReuse)
            return nil
        } catch let failure as TokenFailure {
            return Self.classify(failure).0.code ?? .upstreamUnrecognizedResponse
        } catch {
            return .upstreamUnreachable
        }
    }

    /// One attempt: obtain a token, send the operation, and on an authentication answer refresh the
    /// token once and send again. Returns the classification, the facts, a `Retry-After` and how many
    /// times the operation itself was sent (0 when the token could not be obtained).
    private func attempt(
        _ operation: SeguraOperation,
        deadline: ContinuousClock.Instant,
        logger: Logger
    ) async throws -> (Normalization, UpstreamFacts, Duration?, Int) {
        var sent = 0
        for isRetryAfterRefresh in [false, true] {
            let token: AccessToken
            do {
                // The token counts against the operation's deadline, so one operation never outlives it (the
                // store's stale-claim rule relies on that).
                token = try await self.tokens.token(timeout: Self.remaining(until: deadline))
            } catch let failure as TokenFailure {
                // Without a token the operation was never sent, whatever the token endpoint said.
                var (normalization, facts) = Self.classify(failure)
                normalization.outcome = .notApplied
                return (normalization, facts, nil, sent)
            }
            try Task.checkCancellation()
            let route = operation.route(apiPrefix: self.configuration.apiPrefix)
            let request = OutboundRequest(
                method: route.method,
                url: self.configuration.baseURL + route.path,
                headers: [HTTPHeaderField("Accept", "application/json"), HTTPHeaderField("Authorization", "Bearer \(token.value)")],
                timeout: Self.remaining(until: deadline)
            )
            sent += 1
            let response: OutboundResponse
            do {
                response = try await self.http.execute(request)
            } catch let error as OutboundClientError {
                let normalization = NormalizationTable.normalization(for: error)
                return (normalization, UpstreamFacts(source: .transport, message: error.shortDescription), nil, sent)
            }
            let reply = UpstreamReply(response: response)
            if !isRetryAfterRefresh && Self.isTokenRejection(reply) {
                logger.debug("Segura rejected the access token; refreshing it once", metadata: ["http.status": "\(reply.status)"])
                await self.tokens.invalidate(token)
                continue
            }
            let rule = NormalizationTable.rule(for: .operation(operation), reply: reply)
            return (rule.normalization, reply.facts, reply.retryAfter, sent)
        }
        preconditionFailure("the loop returns on its second pass")
    }

    /// A 401, or Kong's 404 "no Route matched", which Segura documents for a missing or bad token.
    private static func isTokenRejection(_ reply: UpstreamReply) -> Bool {
        reply.status == 401
            || (reply.status == 404 && reply.message?.lowercased() == UpstreamReply.KongText.noRoute.rawValue.lowercased())
    }

    private static func remaining(until deadline: ContinuousClock.Instant) -> Duration {
        max(.milliseconds(1), deadline - ContinuousClock.now)
    }

    private static func classify(_ failure: TokenFailure) -> (Normalization, UpstreamFacts) {
        switch failure {
        case .transport(let error):
            return (NormalizationTable.normalization(for: error), UpstreamFacts(source: .transport, message: error.shortDescription))
        case .reply(let reply):
            return (NormalizationTable.rule(for: .token, reply: reply).normalization, reply.facts)
        case .malformed(let reply):
            return (.notApplied(.upstreamInvalidResponse), reply.facts)
        }
    }

    private static func explanation(of code: ErrorCode, facts: UpstreamFacts) -> String {
        let origin = facts.source == .transport ? "the connection to Segura" : "\(facts.source.rawValue) (HTTP \(facts.httpStatus.map(String.init) ?? "-"))"
        return "\(code.rawValue) from \(origin)" + (facts.message.map { ": \($0)" } ?? "")
    }

    // MARK: - Token endpoint

    private static func fetchToken(http: CurlHTTPClient, configuration: Configuration, timeout: Duration) async throws -> AccessToken {
        var form = [("grant_type", "client_credentials")]
        var headers = [HTTPHeaderField("Accept", "application/json"), HTTPHeaderField("Content-Type", "application/x-www-form-urlencoded")]
        switch configuration.clientAuthentication {
        case .requestBody:
            form += [("client_id", configuration.clientID), ("client_secret", configuration.clientSecret)]
        case .basic:
            let pair = FormURLEncoding.encode(configuration.clientID) + ":" + FormURLEncoding.encode(configuration.clientSecret)
            headers.append(HTTPHeaderField("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        }
        let request = OutboundRequest(
            method: .post,
            url: configuration.baseURL + configuration.tokenPath,
            headers: headers,
            body: Array(FormURLEncoding.encode(form).utf8),
            timeout: timeout
        )
        let requestedAt = ContinuousClock.now
        let response: OutboundResponse
        do {
            response = try await http.execute(request)
        } catch let error as OutboundClientError {
            throw TokenFailure.transport(error)
        }
        guard (200...299).contains(response.status) else { throw TokenFailure.reply(UpstreamReply(response: response)) }
        guard let grant = try? JSONDecoder().decode(TokenGrant.self, from: Data(response.body)), !grant.accessToken.isEmpty, grant.expiresIn > 0 else {
            throw TokenFailure.malformed(UpstreamReply(response: response))
        }
        let lifetime = Duration.seconds(grant.expiresIn)
        let margin = min(configuration.tokenRenewalMargin, lifetime / 10)
        return AccessToken(value: grant.accessToken, renewAt: requestedAt + lifetime - margin)
    }

    /// The token endpoint's answer: `{"token_type":"Bearer","expires_in":3600,"access_token":"..."}`.
    private struct TokenGrant: Decodable {
        let accessToken: String
        let expiresIn: Int

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case expiresIn = "expires_in"
        }
    }
}

extension UpstreamReply {
    var facts: UpstreamFacts {
        UpstreamFacts(source: self.source, httpStatus: self.status, seguraCode: self.seguraCode, message: self.message)
    }
}

/// `application/x-www-form-urlencoded` encoding (WHATWG URL standard), for the token request.
enum FormURLEncoding {
    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._*".utf8)

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(self.encode($0.0))=\(self.encode($0.1))" }.joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            if self.unreserved.contains(byte) {
                encoded.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }
}
