/// How a caller proves that a webhook came from it; chosen per caller in the gateway's configuration.
///
/// The raw values are the names used in configuration files and on the `segura-gateway sign` command line,
/// so they are stable.
public enum SignatureScheme: String, Sendable, Codable, CaseIterable {
    /// Standard Webhooks v1 (Svix): HMAC-SHA256 over `{id}.{timestamp}.{body}`, base64, in `webhook-signature`.
    case standardWebhooks = "standard-webhooks"
    /// GitHub and Jira admin webhooks (WebSub style): HMAC-SHA256 over the body, `sha256=<hex>`.
    case hubSHA256 = "hub-sha256"
    /// Slack request signing: HMAC-SHA256 over `v0:{timestamp}:{body}`, `v0=<hex>`.
    case slackV0 = "slack-v0"
    /// A shared static token in a header (Jira Automation, Mattermost slash commands); no integrity, no replay protection.
    case staticToken = "static-token"
    /// Microsoft Teams outgoing webhooks: HMAC-SHA256 over the body, keyed with the base64-decoded security
    /// token, `Authorization: HMAC <base64>`; no timestamp and no delivery-id header.
    case teamsHMAC = "teams-hmac"

    /// Whether the verified delivery id is covered by the signature, so a dedup store may trust it.
    ///
    /// Only Standard Webhooks signs its id. The other schemes' delivery ids (`X-GitHub-Delivery`,
    /// `X-Atlassian-Webhook-Identifier`, `Idempotency-Key`) are plain headers that a replaying attacker can
    /// change; dedup for them should key on ``VerifiedDelivery/signatureDigest`` instead, where there is one.
    /// Teams sends no id header at all: its Activity `id` is in the signed body, for the layer above to read.
    public var signsDeliveryID: Bool { self == .standardWebhooks }

    /// Whether the scheme signs a timestamp, so the verifier rejects replays older than the tolerance.
    public var signsTimestamp: Bool { self == .standardWebhooks || self == .slackV0 }
}
