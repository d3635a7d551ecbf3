import HTTPTypes

/// The header names the schemes read and write, spelled once (Teams uses `Authorization`, which HTTPTypes names).
extension HTTPField.Name {
    package static let webhookID = Self("webhook-id")!
    package static let webhookTimestamp = Self("webhook-timestamp")!
    package static let webhookSignature = Self("webhook-signature")!
    package static let svixID = Self("svix-id")!
    package static let svixTimestamp = Self("svix-timestamp")!
    package static let svixSignature = Self("svix-signature")!
    package static let hubSignature256 = Self("X-Hub-Signature-256")!
    package static let gitHubDelivery = Self("X-GitHub-Delivery")!
    package static let atlassianWebhookIdentifier = Self("X-Atlassian-Webhook-Identifier")!
    package static let slackSignature = Self("X-Slack-Signature")!
    package static let slackRequestTimestamp = Self("X-Slack-Request-Timestamp")!
    package static let idempotencyKey = Self("Idempotency-Key")!
}
