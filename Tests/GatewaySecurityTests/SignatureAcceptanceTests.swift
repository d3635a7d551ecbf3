import Foundation
import GatewaySecurity
import HTTPTypes
import Testing

/// Requests that must verify: round trips, rotation, aliases, header spellings and the tolerance edges.
@Suite struct SignatureAcceptanceTests {
    @Test(arguments: SignatureScheme.allCases)
    func signedRequestVerifies(_ scheme: SignatureScheme) throws {
        let delivery = try Fixtures.verifier(scheme).verify(headerFields: Fixtures.signedFields(scheme), body: Fixtures.body, now: Fixtures.now)
        #expect(delivery.scheme == scheme)
        switch scheme {
        case .standardWebhooks:
            #expect(delivery.deliveryID == Fixtures.deliveryID)
            #expect(delivery.timestamp == Fixtures.now)
        case .hubSHA256:
            #expect(delivery.deliveryID == Fixtures.deliveryID)
            #expect(delivery.timestamp == nil)
        case .slackV0:
            #expect(delivery.deliveryID == nil)
            #expect(delivery.timestamp == Fixtures.now)
        case .staticToken:
            #expect(delivery.deliveryID == Fixtures.deliveryID)
            #expect(delivery.timestamp == nil)
        case .teamsHMAC:
            #expect(delivery.deliveryID == nil)
            #expect(delivery.timestamp == nil)
        }
        #expect((delivery.signatureDigest == nil) == (scheme == .staticToken))
        #expect(delivery.signatureDigest.map { $0.count == 64 && $0 == $0.lowercased() } ?? true)
    }

    /// During a rotation the caller holds both secrets; a sender still on either one is accepted.
    @Test(arguments: SignatureScheme.allCases, [true, false])
    func eitherRotatedSecretVerifies(_ scheme: SignatureScheme, signWithPrevious: Bool) throws {
        let secrets = Fixtures.secrets(scheme)
        let fields = Fixtures.signedFields(scheme, secret: signWithPrevious ? secrets.previous : secrets.current)
        _ = try Fixtures.verifier(scheme).verify(headerFields: fields, body: Fixtures.body, now: Fixtures.now)
    }

    /// A Standard Webhooks sender in mid-rotation sends one entry per secret, plus versions we do not know.
    @Test(arguments: [
        "v1,{stranger} v1,{current}",
        "v1a,AAAA v1,{current}",
        "v2,whatever v1,{previous} v1a,c2lnbmF0dXJl",
        "v1,{current}  v1,{stranger}",
    ])
    func standardWebhooksAcceptsAnyMatchingEntry(_ template: String) throws {
        let scheme = SignatureScheme.standardWebhooks
        func entry(_ secret: WebhookSecret) -> String {
            Fixtures.signedFields(scheme, secret: secret)[.webhookSignature]!.replacingOccurrences(of: "v1,", with: "")
        }
        let secrets = Fixtures.secrets(scheme)
        var delivery = Delivery.signed(scheme)
        delivery.fields[.webhookSignature] = template
            .replacingOccurrences(of: "{current}", with: entry(secrets.current))
            .replacingOccurrences(of: "{previous}", with: entry(secrets.previous))
            .replacingOccurrences(of: "{stranger}", with: entry(Fixtures.strangerSecret(scheme)))
        _ = try Fixtures.verifier(scheme).verify(headerFields: delivery.fields, body: delivery.body, now: delivery.now)
    }

    /// Svix's own header names, alone or repeated with the same value beside the standard ones.
    @Test(arguments: [false, true])
    func standardWebhooksAcceptsSvixAliases(keepStandardNames: Bool) throws {
        var delivery = Delivery.signed(.standardWebhooks)
        let pairs: [(HTTPField.Name, HTTPField.Name)] = [
            (.webhookID, .svixID), (.webhookTimestamp, .svixTimestamp), (.webhookSignature, .svixSignature),
        ]
        for (standard, svix) in pairs {
            delivery.fields[svix] = delivery.fields[standard]
            if !keepStandardNames { delivery.fields[standard] = nil }
        }
        let verified = try Fixtures.verifier(.standardWebhooks).verify(headerFields: delivery.fields, body: delivery.body, now: delivery.now)
        #expect(verified.deliveryID == Fixtures.deliveryID)
    }

    /// Header names are case-insensitive; senders and proxies spell them all ways.
    @Test(arguments: SignatureScheme.allCases)
    func headerNamesAreCaseInsensitive(_ scheme: SignatureScheme) throws {
        var fields = HTTPFields()
        for field in Fixtures.signedFields(scheme) {
            fields.append(HTTPField(name: HTTPField.Name(field.name.rawName.uppercased())!, value: field.value))
        }
        _ = try Fixtures.verifier(scheme).verify(headerFields: fields, body: Fixtures.body, now: Fixtures.now)
    }

    /// Hex is accepted in either case; the digest (a replay key) is the same for both spellings.
    @Test(arguments: [SignatureScheme.hubSHA256, .slackV0])
    func hexSignaturesAcceptEitherCase(_ scheme: SignatureScheme) throws {
        let name: HTTPField.Name = scheme == .hubSHA256 ? .hubSignature256 : .slackSignature
        let prefix = scheme == .hubSHA256 ? "sha256=" : "v0="
        let verifier = Fixtures.verifier(scheme)
        var delivery = Delivery.signed(scheme)
        let lower = try verifier.verify(headerFields: delivery.fields, body: delivery.body, now: delivery.now)
        delivery.fields[name] = prefix + delivery.fields[name]!.dropFirst(prefix.count).uppercased()
        let upper = try verifier.verify(headerFields: delivery.fields, body: delivery.body, now: delivery.now)
        #expect(lower.signatureDigest == upper.signatureDigest)
    }

    @Test(arguments: SignatureScheme.allCases.filter { $0 != .staticToken })
    func signatureDigestIdentifiesTheSignedContent(_ scheme: SignatureScheme) throws {
        let verifier = Fixtures.verifier(scheme)
        let first = try verifier.verify(headerFields: Fixtures.signedFields(scheme), body: Fixtures.body, now: Fixtures.now)
        let again = try verifier.verify(headerFields: Fixtures.signedFields(scheme), body: Fixtures.body, now: Fixtures.now)
        let otherBody = Array("{}".utf8)
        let other = try verifier.verify(headerFields: Fixtures.signedFields(scheme, body: otherBody), body: otherBody, now: Fixtures.now)
        #expect(first.signatureDigest == again.signatureDigest)
        #expect(first.signatureDigest != other.signatureDigest)
    }

    /// Jira admin webhooks: `X-Hub-Signature: sha256=…` and the Atlassian delivery id.
    @Test func hubAcceptsJiraHeaderAndDeliveryID() throws {
        let secret = Fixtures.secrets(.hubSHA256).current
        let verifier = CallerVerifier(scheme: .hubSHA256, secrets: [secret], signatureHeader: .hubSignature)
        var fields = WebhookSigner.headerFields(
            scheme: .hubSHA256, secret: secret, body: Fixtures.body, deliveryID: "unused", timestamp: Fixtures.now, signatureHeader: .hubSignature)
        #expect(fields[.hubSignature]?.hasPrefix("sha256=") == true)
        #expect(fields[.hubSignature256] == nil)
        fields[.gitHubDelivery] = nil
        fields[.atlassianWebhookIdentifier] = "a7f4c2e0-1b9d-4c6e-8f3a-5d2b7e9c1f04"
        let delivery = try verifier.verify(headerFields: fields, body: Fixtures.body, now: Fixtures.now)
        #expect(delivery.deliveryID == "a7f4c2e0-1b9d-4c6e-8f3a-5d2b7e9c1f04")
    }

    @Test func hubWithoutDeliveryHeaderHasNoDeliveryID() throws {
        var delivery = Delivery.signed(.hubSHA256)
        delivery.fields[.gitHubDelivery] = nil
        let verified = try Fixtures.verifier(.hubSHA256).verify(headerFields: delivery.fields, body: delivery.body, now: delivery.now)
        #expect(verified.deliveryID == nil)
    }

    /// Jira Automation sends `Bearer`, Mattermost sends `Token`; the scheme name is case-insensitive.
    @Test(arguments: ["Bearer", "bearer", "BEARER", "Token", "token"])
    func staticTokenAcceptsAuthorizationSchemes(_ authScheme: String) throws {
        var delivery = Delivery.signed(.staticToken)
        delivery.fields[.authorization] = "\(authScheme) \(Fixtures.secretTexts(.staticToken).current)"
        _ = try Fixtures.verifier(.staticToken).verify(headerFields: delivery.fields, body: delivery.body, now: delivery.now)
    }

    @Test func staticTokenInCustomHeaderIsTheBareValue() throws {
        let secret = Fixtures.secrets(.staticToken).previous
        let verifier = CallerVerifier(
            scheme: .staticToken, secrets: [Fixtures.secrets(.staticToken).current, secret], tokenHeader: Fixtures.customTokenHeader)
        let fields = WebhookSigner.headerFields(
            scheme: .staticToken, secret: secret, body: [], deliveryID: "k-1", timestamp: Fixtures.now, tokenHeader: Fixtures.customTokenHeader)
        #expect(fields[Fixtures.customTokenHeader] == Fixtures.secretTexts(.staticToken).previous)
        #expect(fields[.authorization] == nil)
        let delivery = try verifier.verify(headerFields: fields, body: [], now: Fixtures.now)
        #expect(delivery.deliveryID == "k-1")
    }

    /// A static token needs no Idempotency-Key; without one there is no delivery id.
    @Test func staticTokenWithoutIdempotencyKeyHasNoDeliveryID() throws {
        var delivery = Delivery.signed(.staticToken)
        delivery.fields[.idempotencyKey] = nil
        let verified = try Fixtures.verifier(.staticToken).verify(headerFields: delivery.fields, body: delivery.body, now: delivery.now)
        #expect(verified.deliveryID == nil)
    }

    /// A static token does not sign the body: any body is accepted with a good token.
    @Test func staticTokenIgnoresTheBody() throws {
        let fields = Fixtures.signedFields(.staticToken)
        _ = try Fixtures.verifier(.staticToken).verify(headerFields: fields, body: Array("other".utf8), now: Fixtures.now)
    }

    /// `HMAC` is an `Authorization` scheme word, so any case is accepted, and more than one space after it.
    @Test(arguments: ["HMAC ", "hmac ", "Hmac ", "HMAC   "])
    func teamsAcceptsAuthorizationSchemeSpellings(_ prefix: String) throws {
        var delivery = Delivery.signed(.teamsHMAC)
        let mac = delivery.fields[.authorization]!.dropFirst("HMAC ".count)
        delivery.fields[.authorization] = prefix + mac
        _ = try Fixtures.verifier(.teamsHMAC).verify(headerFields: delivery.fields, body: delivery.body, now: delivery.now)
    }

    /// Exactly the tolerance away, in either direction, is still accepted.
    @Test(arguments: [SignatureScheme.standardWebhooks, .slackV0], [-300.0, -0.5, 0, 299.9, 300])
    func timestampAtTheToleranceEdgeVerifies(_ scheme: SignatureScheme, offset: TimeInterval) throws {
        let now = Fixtures.now.addingTimeInterval(offset)
        _ = try Fixtures.verifier(scheme).verify(headerFields: Fixtures.signedFields(scheme), body: Fixtures.body, now: now)
    }

    /// Schemes without a signed timestamp accept a delivery of any age (dedup is their only replay defence).
    @Test(arguments: [SignatureScheme.hubSHA256, .staticToken, .teamsHMAC])
    func unsignedTimeIsNotChecked(_ scheme: SignatureScheme) throws {
        let yearsLater = Fixtures.now.addingTimeInterval(5 * 365 * 86_400)
        _ = try Fixtures.verifier(scheme).verify(headerFields: Fixtures.signedFields(scheme), body: Fixtures.body, now: yearsLater)
    }

    @Test func schemeCapabilitiesMatchTheWireFormats() {
        #expect(SignatureScheme.allCases.filter(\.signsDeliveryID) == [.standardWebhooks])
        #expect(SignatureScheme.allCases.filter(\.signsTimestamp) == [.standardWebhooks, .slackV0])
    }

    @Test func schemeNamesAreStable() throws {
        #expect(SignatureScheme.allCases.map(\.rawValue) == ["standard-webhooks", "hub-sha256", "slack-v0", "static-token", "teams-hmac"])
        let decoded = try JSONDecoder().decode([SignatureScheme].self, from: Data(#"["slack-v0"]"#.utf8))
        #expect(decoded == [.slackV0])
    }

    /// An empty body is a valid body, signed like any other.
    @Test(arguments: SignatureScheme.allCases)
    func emptyBodyVerifies(_ scheme: SignatureScheme) throws {
        _ = try Fixtures.verifier(scheme).verify(headerFields: Fixtures.signedFields(scheme, body: []), body: [], now: Fixtures.now)
    }
}
