import Foundation
import HTTPTypes

/// Produces the headers a sender would attach, for the `segura-gateway sign` command and for tests.
///
/// It uses the same formats and MAC code as ``CallerVerifier``, so a signed request verifies by construction
/// and a change to a wire format cannot drift between the two sides.
public enum WebhookSigner {
    /// The authentication headers for one delivery of `body`.
    ///
    /// The inputs are signed exactly as given, without validation, so tests can also produce correctly signed
    /// requests that the verifier must still refuse (an id containing `.`, an old timestamp).
    ///
    /// - Parameters:
    ///   - scheme: the wire format to produce.
    ///   - secret: a secret decoded for `scheme`.
    ///   - body: the exact body that will be sent.
    ///   - deliveryID: `webhook-id` (Standard Webhooks), `X-GitHub-Delivery` (hub), `Idempotency-Key` as an
    ///     sf-string (static token); Slack and Teams have no delivery-id header, so it is ignored there.
    ///   - timestamp: the signed time (Standard Webhooks, Slack), in whole Unix seconds rounded down; ignored
    ///     by the schemes that sign none.
    ///   - tokenHeader: static token only: the header to carry the token (`Bearer ` is added in `Authorization`).
    ///   - signatureHeader: hub-sha256 only: the signature header; `nil` means `X-Hub-Signature-256`.
    /// - Precondition: `secret` was decoded for `scheme`.
    public static func headerFields(
        scheme: SignatureScheme,
        secret: WebhookSecret,
        body: [UInt8],
        deliveryID: String,
        timestamp: Date,
        tokenHeader: HTTPField.Name = .authorization,
        signatureHeader: HTTPField.Name? = nil
    ) -> HTTPFields {
        precondition(secret.scheme == scheme, "the secret must be decoded for the scheme it signs with")
        let seconds = String(Int64(timestamp.timeIntervalSince1970.rounded(.down)))
        var fields = HTTPFields()
        switch scheme {
        case .standardWebhooks:
            let message = StandardWebhooksFormat.message(id: deliveryID, timestamp: seconds, body: body)
            fields[.webhookID] = deliveryID
            fields[.webhookTimestamp] = seconds
            fields[.webhookSignature] = StandardWebhooksFormat.render(MessageAuthenticator.code(for: message, key: secret.key))
        case .hubSHA256:
            let code = MessageAuthenticator.code(for: HubSignatureFormat.message(body: body), key: secret.key)
            fields[signatureHeader ?? HubSignatureFormat.defaultSignatureHeader] = HubSignatureFormat.signature.render(code)
            fields[.gitHubDelivery] = deliveryID
        case .slackV0:
            let code = MessageAuthenticator.code(for: SlackSignatureFormat.message(timestamp: seconds, body: body), key: secret.key)
            fields[SlackSignatureFormat.timestampHeader] = seconds
            fields[SlackSignatureFormat.signatureHeader] = SlackSignatureFormat.signature.render(code)
        case .staticToken:
            let token = String(decoding: secret.keyBytes, as: UTF8.self)
            fields[tokenHeader] = StaticTokenFormat.render(token: token, header: tokenHeader)
            fields[.idempotencyKey] = CallerVerifier.quotedIdempotencyKey(deliveryID)
        case .teamsHMAC:
            fields[.authorization] = TeamsSignatureFormat.render(MessageAuthenticator.code(for: SignedMessage(prefix: [], body: body), key: secret.key))
        }
        return fields
    }
}
