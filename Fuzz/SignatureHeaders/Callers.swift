import Foundation
import HTTPTypes
@testable import GatewaySecurity

/// One configured caller per scheme and header variant, with the secrets of the senders' published examples,
/// so the seed corpus holds deliveries that verify and the fuzzer starts from the success paths.
struct Caller: Sendable {
    let verifier: CallerVerifier
    let secret: WebhookSecret
    /// The time the caller's deliveries are checked at: the published example's own, so it is fresh.
    let now: Date
    let tokenHeader: HTTPField.Name
    let signatureHeader: HTTPField.Name?

    init(
        _ scheme: SignatureScheme, _ secret: String, now: TimeInterval, tokenHeader: HTTPField.Name = .authorization,
        signatureHeader: HTTPField.Name? = nil, tokenFormField: String? = nil
    ) {
        self.secret = try! WebhookSecret(secret, scheme: scheme)
        self.verifier = CallerVerifier(
            scheme: scheme, secrets: [self.secret], tokenHeader: tokenHeader, signatureHeader: signatureHeader, tokenFormField: tokenFormField)
        self.now = Date(timeIntervalSince1970: now)
        self.tokenHeader = tokenHeader
        self.signatureHeader = signatureHeader
    }

    /// Standard Webhooks' spec vector (webhook-id msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp 1614265330).
    static let standardWebhooks = Caller(.standardWebhooks, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", now: 1_614_265_330)
    /// GitHub's documented example secret, under `X-Hub-Signature-256`.
    static let gitHub = Caller(.hubSHA256, "It's a Secret to Everybody", now: 1_614_265_330)
    /// The same, under Jira's `X-Hub-Signature`.
    static let jira = Caller(.hubSHA256, "It's a Secret to Everybody", now: 1_614_265_330, signatureHeader: HTTPField.Name("X-Hub-Signature")!)
    /// Slack's documented signing secret, at its example's timestamp.
    static let slack = Caller(.slackV0, "8f742231b10e8888abcd99yyyzzz85a5", now: 1_531_420_618)
    /// A static token in `Authorization` (`Bearer` or `Token`).
    static let bearerToken = Caller(.staticToken, "jira-automation-token-0123456789", now: 1_614_265_330)
    /// A static token as the whole value of a custom header.
    static let headerToken = Caller(.staticToken, "jira-automation-token-0123456789", now: 1_614_265_330, tokenHeader: HTTPField.Name("X-Gateway-Token")!)

    /// A Teams outgoing webhook, with the token of the gateway's pinned Teams vector.
    static let teams = Caller(.teamsHMAC, "c2VndXJhLWdhdGV3YXkgdGVhbXMgdG9rZW4gMzJiISE=", now: 1_614_265_330)

    /// A Mattermost slash command: the token in `Authorization: Token …`, in the `token` form field, or both.
    static let mattermost = Caller(.staticToken, "jira-automation-token-0123456789", now: 1_614_265_330, tokenFormField: "token")

    static let all = [standardWebhooks, gitHub, jira, slack, bearerToken, headerToken, teams, mattermost]
}
