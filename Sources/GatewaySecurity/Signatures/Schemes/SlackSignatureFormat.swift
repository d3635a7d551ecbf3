import HTTPTypes

/// Slack request signing, version `v0`.
///
/// Slack sends no delivery id. Its retries carry `X-Slack-Retry-Num`, which the layer above handles; a
/// verified Slack delivery therefore has no ``VerifiedDelivery/deliveryID``.
enum SlackSignatureFormat {
    static let signatureHeader = HTTPField.Name.slackSignature
    static let timestampHeader = HTTPField.Name.slackRequestTimestamp
    static let signature = PrefixedHexSignature(prefix: "v0=")

    /// The signed content `v0:{timestamp}:{raw body}`, with the timestamp as sent.
    static func message(timestamp: String, body: [UInt8]) -> SignedMessage {
        SignedMessage(prefix: Array("v0:\(timestamp):".utf8), body: body)
    }
}
