import Foundation
import GatewaySecurity
import HTTPTypes

/// Secrets, clocks and signed requests shared by the signature suites.
enum Fixtures {
    /// The Standard Webhooks spec's test-vector time; every fixture request is signed at it.
    static let now = Date(timeIntervalSince1970: 1_614_265_330)
    static let body = Array(#"{"action":"enable","kind":"credential","id":42,"ticket":"CHG0031337"}"#.utf8)
    static let deliveryID = "msg_2kVqXb0f7TzA"
    static let customTokenHeader = HTTPField.Name("X-Webhook-Token")!

    /// The texts of two active secrets per scheme, as a configuration would hold them.
    static func secretTexts(_ scheme: SignatureScheme) -> (current: String, previous: String) {
        switch scheme {
        case .standardWebhooks: ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_cm90YXRpb24tc2VjcmV0LW51bWJlci10d28tMzJieSE=")
        case .hubSHA256: ("It's a Secret to Everybody", "jira-admin-webhook-secret-2")
        case .slackV0: ("8f742231b10e8888abcd99yyyzzz85a5", "0b1d3f5a7c9e2468ace13579bdf02468")
        case .staticToken: ("tok_live_3c5e7a9b1d2f4a6c", "tok_live_8e0a2c4e6b8d0f1a")
        case .teamsHMAC: ("c2VndXJhLWdhdGV3YXkgdGVhbXMgdG9rZW4gMzJiISE=", "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=")
        }
    }

    /// A secret that belongs to nobody: the "wrong secret" of the failure tests.
    static func strangerSecret(_ scheme: SignatureScheme) -> WebhookSecret {
        switch scheme {
        case .standardWebhooks: try! WebhookSecret("whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbA==", scheme: scheme)
        case .hubSHA256, .slackV0, .staticToken: try! WebhookSecret("not-the-callers-secret-at-all", scheme: scheme)
        case .teamsHMAC: try! WebhookSecret("oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=", scheme: scheme)
        }
    }

    static func secrets(_ scheme: SignatureScheme) -> (current: WebhookSecret, previous: WebhookSecret) {
        let texts = Self.secretTexts(scheme)
        return (try! WebhookSecret(texts.current, scheme: scheme), try! WebhookSecret(texts.previous, scheme: scheme))
    }

    /// A verifier holding both secrets of `scheme`, with the default 300 s tolerance.
    static func verifier(_ scheme: SignatureScheme, tolerance: Duration = .seconds(300)) -> CallerVerifier {
        let secrets = Self.secrets(scheme)
        return CallerVerifier(scheme: scheme, secrets: [secrets.current, secrets.previous], tolerance: tolerance)
    }

    /// The headers of a correctly signed fixture request.
    static func signedFields(
        _ scheme: SignatureScheme,
        secret: WebhookSecret? = nil,
        body: [UInt8] = Fixtures.body,
        deliveryID: String = Fixtures.deliveryID,
        at time: Date = Fixtures.now
    ) -> HTTPFields {
        WebhookSigner.headerFields(
            scheme: scheme,
            secret: secret ?? Self.secrets(scheme).current,
            body: body,
            deliveryID: deliveryID,
            timestamp: time
        )
    }
}

/// One request as the verifier sees it, mutable so failure cases can damage one part.
struct Delivery {
    var fields: HTTPFields
    var body: [UInt8]
    var now: Date

    static func signed(_ scheme: SignatureScheme) -> Self {
        Self(fields: Fixtures.signedFields(scheme), body: Fixtures.body, now: Fixtures.now)
    }

    /// Adds a second field line with the same name as an existing one, as a proxy might.
    mutating func duplicate(_ name: HTTPField.Name, value: String? = nil) {
        let existing = self.fields[values: name]
        self.fields[values: name] = existing + [value ?? existing.first ?? ""]
    }
}

extension HTTPField.Name {
    /// The SHA-1 header some Jira versions send; the scheme names in the source cover only what it reads.
    static let hubSignature = Self("X-Hub-Signature")!
}
