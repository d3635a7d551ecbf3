import Foundation
import GatewaySecurity
import HTTPTypes
import Testing

/// The senders' own published examples, verified and re-signed byte for byte.
///
/// All expected values were also recomputed independently (Python `hmac`) when these tests were written.
@Suite struct PublishedVectorTests {
    /// Standard Webhooks spec test vector.
    @Test func standardWebhooksSpecVector() throws {
        let secret = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", scheme: .standardWebhooks)
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let signedAt = Date(timeIntervalSince1970: 1_614_265_330)
        let fields: HTTPFields = [
            .webhookID: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            .webhookTimestamp: "1614265330",
            .webhookSignature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ]
        let verifier = CallerVerifier(scheme: .standardWebhooks, secrets: [secret])
        let delivery = try verifier.verify(headerFields: fields, body: body, now: signedAt)
        #expect(delivery.deliveryID == "msg_p5jXN8AQM9LWM0D4loKWxJek")
        #expect(delivery.timestamp == signedAt)
        #expect(delivery.scheme == .standardWebhooks)

        let signed = WebhookSigner.headerFields(
            scheme: .standardWebhooks, secret: secret, body: body, deliveryID: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: signedAt)
        #expect(signed == fields)
    }

    /// GitHub's "Validating webhook deliveries" example.
    @Test func gitHubDocumentedExample() throws {
        let secret = try WebhookSecret("It's a Secret to Everybody", scheme: .hubSHA256)
        let body = Array("Hello, World!".utf8)
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        let verifier = CallerVerifier(scheme: .hubSHA256, secrets: [secret])
        let delivery = try verifier.verify(headerFields: [.hubSignature256: expected], body: body, now: Fixtures.now)
        #expect(delivery.scheme == .hubSHA256)
        #expect(delivery.deliveryID == nil && delivery.timestamp == nil)

        let signed = WebhookSigner.headerFields(scheme: .hubSHA256, secret: secret, body: body, deliveryID: "d", timestamp: Fixtures.now)
        #expect(signed[.hubSignature256] == expected)
    }

    /// Slack's "Verifying requests from Slack" walkthrough (a slash command's form body).
    @Test func slackDocumentedExample() throws {
        let secret = try WebhookSecret("8f742231b10e8888abcd99yyyzzz85a5", scheme: .slackV0)
        let body = Array(
            ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
                + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
                + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
                + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c").utf8)
        let signedAt = Date(timeIntervalSince1970: 1_531_420_618)
        let expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        let fields: HTTPFields = [.slackRequestTimestamp: "1531420618", .slackSignature: expected]
        let verifier = CallerVerifier(scheme: .slackV0, secrets: [secret])
        let delivery = try verifier.verify(headerFields: fields, body: body, now: signedAt.addingTimeInterval(12))
        #expect(delivery.timestamp == signedAt)
        #expect(delivery.deliveryID == nil)

        let signed = WebhookSigner.headerFields(scheme: .slackV0, secret: secret, body: body, deliveryID: "ignored", timestamp: signedAt)
        #expect(signed == fields)
    }

    /// A Teams outgoing webhook, computed as Microsoft's sample does (OfficeDev/msteams-samples-outgoing-webhook-nodejs,
    /// `app.js`): `"HMAC " + crypto.createHmac('sha256', Buffer(sharedSecret, "base64")).update(payload).digest('base64')`.
    ///
    /// Teams publishes no fixed example, so the token and Activity are ours; the expected value was computed with
    /// Python's `hmac`, `hashlib` and `base64` from them, not with the gateway's code.
    @Test func teamsSampleComputation() throws {
        let secret = try WebhookSecret("c2VndXJhLWdhdGV3YXkgdGVhbXMgdG9rZW4gMzJiISE=", scheme: .teamsHMAC)
        let body = Array(
            (#"{"type":"message","id":"1485983408511","timestamp":"2017-02-01T21:10:07.437Z","#
                + #""serviceUrl":"https://smba.trafficmanager.net/amer-client-ss.msg/","channelId":"msteams","#
                + #""from":{"id":"29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw","#
                + #""name":"Tim Jones"},"conversation":{"id":"19:253b1f341670408fb6fcb7f6ac64cad8@thread.skype;messageid=1485983194839"},"#
                + #""text":"<at>Segura</at> enable credential 42 for ticket CHG0031337 for 2h"}"#).utf8)
        let expected = "HMAC ifckLg4KIBAmGrg///sR2y+WXF0w94sABmaBYqP1TeI="
        let verifier = CallerVerifier(scheme: .teamsHMAC, secrets: [secret])
        let delivery = try verifier.verify(headerFields: [.authorization: expected], body: body, now: Fixtures.now)
        #expect(delivery.scheme == .teamsHMAC)
        #expect(delivery.deliveryID == nil && delivery.timestamp == nil)
        #expect(delivery.signatureDigest?.count == 64)

        let signed = WebhookSigner.headerFields(scheme: .teamsHMAC, secret: secret, body: body, deliveryID: "ignored", timestamp: Fixtures.now)
        #expect(signed == [.authorization: expected])
    }
}
