import CurlHTTPClient
import Foundation
import Synchronization

/// A bearer token from Segura's OAuth 2.0 token endpoint.
struct AccessToken: Sendable, Equatable {
    let value: String
    /// When the token should no longer be used: `expires_in` minus the renewal margin.
    let renewAt: ContinuousClock.Instant
}

/// Why a token could not be obtained: an HTTP answer or a transport failure.
enum TokenFailure: Error {
    case reply(UpstreamReply)
    case transport(OutboundClientError)
    case malformed(UpstreamReply)
}

/// Caches Segura's access token and shares one refresh among all concurrent callers.
///
/// Segura issues no refresh token (segura-api.md §3.1): a new token means a new client-credentials
/// request. Without single flight, 100 requests arriving as the token expires would send 100 token
/// requests; here they all wait for the one in flight.
///
/// A refresh is bounded by the time its initiator has left. Every caller has the same deadline length, so a
/// caller who joins a refresh started earlier is never held past its own deadline either.
///
/// The last failure is kept with its time, so a caller that only asks whether a token can be had (readiness
/// probes, which anyone may send) can reuse a recent failure instead of asking Segura again: a storm of probes
/// while the credentials are wrong must not look like a password-guessing attack to Segura's lockout rules.
actor AccessTokenStore {
    private let fetch: @Sendable (_ timeout: Duration) async throws -> AccessToken
    /// The current token, readable without entering the actor: nearly every call finds it valid, and then
    /// needs no hop onto the actor's executor. Written only by the actor.
    private nonisolated let current = Mutex<AccessToken?>(nil)
    private var refresh: Task<AccessToken, any Error>?
    private var lastFailure: (error: any Error, at: ContinuousClock.Instant)?

    init(fetch: @escaping @Sendable (_ timeout: Duration) async throws -> AccessToken) {
        self.fetch = fetch
    }

    /// A token valid for at least the renewal margin, fetched only if the cached one is missing or due; a
    /// fetch this call starts gives up after `timeout`.
    ///
    /// - Parameter failureReuse: a failure this recent is thrown again without a new request; zero (the
    ///   default) always asks.
    nonisolated func token(timeout: Duration, failureReuse: Duration = .zero) async throws -> AccessToken {
        if let current = self.current.withLock({ $0 }), ContinuousClock.now < current.renewAt {
            return current
        }
        return try await self.renewedToken(timeout: timeout, failureReuse: failureReuse)
    }

    /// ``token(timeout:failureReuse:)`` once the cached token is missing or due: one refresh for all callers.
    private func renewedToken(timeout: Duration, failureReuse: Duration) async throws -> AccessToken {
        let now = ContinuousClock.now
        if let current = self.current.withLock({ $0 }), now < current.renewAt {
            return current
        }
        if let lastFailure, now - lastFailure.at < failureReuse {
            throw lastFailure.error
        }
        if let refresh {
            return try await refresh.value
        }
        // An unstructured task, so a caller's cancellation does not abort the refresh others wait for.
        let refresh = Task { try await self.fetch(timeout) }
        self.refresh = refresh
        defer { self.refresh = nil }
        do {
            let token = try await refresh.value
            self.current.withLock { $0 = token }
            self.lastFailure = nil
            return token
        } catch {
            self.lastFailure = (error, ContinuousClock.now)
            throw error
        }
    }

    /// Forgets `token` after Segura or Kong rejected it, unless another caller already replaced it.
    func invalidate(_ token: AccessToken) {
        self.current.withLock { current in
            if current == token { current = nil }
        }
    }
}
