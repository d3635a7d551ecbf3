import HTTPTypes

/// The header names the four schemes read and write, spelled once.
extension HTTPField.Name {
    static let webhookID = Self("webhook-id")!
    static let webhookTimestamp = Self("webhook-timestamp")!
    static let webhookSignature = Self("webhook-signature")!
    static let svixID = Self("svix-id")!
    static let svixTimestamp = Self("svix-timestamp")!
    static let svixSignature = Self("svix-signature")!
    static let hubSignature256 = Self("X-Hub-Signature-256")!
    static let gitHubDelivery = Self("X-GitHub-Delivery")!
    static let atlassianWebhookIdentifier = Self("X-Atlassian-Webhook-Identifier")!
    static let slackSignature = Self("X-Slack-Signature")!
    static let slackRequestTimestamp = Self("X-Slack-Request-Timestamp")!
    static let idempotencyKey = Self("Idempotency-Key")!
}
