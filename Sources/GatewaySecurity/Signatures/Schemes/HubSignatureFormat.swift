import HTTPTypes

/// GitHub's and Jira admin webhooks' body-only HMAC: `sha256=<hex>` under a configurable header name.
///
/// No timestamp is signed, so there is no replay window; dedup (elsewhere) is the only replay defence.
enum HubSignatureFormat {
    /// GitHub's header; Jira admin webhooks send the same format under `X-Hub-Signature`.
    static let defaultSignatureHeader = HTTPField.Name.hubSignature256
    /// Where GitHub and Jira put their delivery id; unchanged across redeliveries, and not signed.
    static let deliveryIDHeaders: [HTTPField.Name] = [.gitHubDelivery, .atlassianWebhookIdentifier]
    static let signature = PrefixedHexSignature(prefix: "sha256=")

    /// The signed content: the raw body alone.
    static func message(body: [UInt8]) -> SignedMessage {
        SignedMessage(prefix: [], body: body)
    }
}
