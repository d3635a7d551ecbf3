import Foundation
import GatewaySecurity
import HTTPTypes
import Testing

/// One way to damage a correctly signed request, and the refusal it must earn.
struct FailureCase: Sendable, CustomTestStringConvertible {
    let scheme: SignatureScheme
    let name: String
    let expected: SignatureError
    let damage: @Sendable (inout Delivery) -> Void

    init(_ scheme: SignatureScheme, _ name: String, _ expected: SignatureError, _ damage: @escaping @Sendable (inout Delivery) -> Void) {
        self.scheme = scheme
        self.name = name
        self.expected = expected
        self.damage = damage
    }

    var testDescription: String { "\(self.scheme.rawValue): \(self.name)" }
}

/// Every refusal, per scheme: missing, duplicated and malformed headers, the replay window, tampering, wrong secrets.
@Suite struct SignatureFailureTests {
    static let standardWebhooks: [FailureCase] = [
        FailureCase(.standardWebhooks, "no headers", .missingSignature) { $0.fields = [:] },
        FailureCase(.standardWebhooks, "missing id", .missingSignature) { $0.fields[.webhookID] = nil },
        FailureCase(.standardWebhooks, "missing timestamp", .missingSignature) { $0.fields[.webhookTimestamp] = nil },
        FailureCase(.standardWebhooks, "missing signature", .missingSignature) { $0.fields[.webhookSignature] = nil },
        FailureCase(.standardWebhooks, "duplicated id", .duplicateHeader) { $0.duplicate(.webhookID, value: "msg_other") },
        FailureCase(.standardWebhooks, "duplicated timestamp", .duplicateHeader) { $0.duplicate(.webhookTimestamp) },
        FailureCase(.standardWebhooks, "duplicated signature", .duplicateHeader) { $0.duplicate(.webhookSignature) },
        FailureCase(.standardWebhooks, "svix-id differs from webhook-id", .duplicateHeader) { $0.fields[.svixID] = "msg_other" },
        FailureCase(.standardWebhooks, "svix-signature differs", .duplicateHeader) { $0.fields[.svixSignature] = "v1,AAAA" },
        FailureCase(.standardWebhooks, "signature without version", .malformedSignature) {
            $0.fields[.webhookSignature] = String($0.fields[.webhookSignature]!.dropFirst(3))
        },
        FailureCase(.standardWebhooks, "empty signature", .malformedSignature) { $0.fields[.webhookSignature] = "" },
        FailureCase(.standardWebhooks, "v1 entry not base64", .malformedSignature) { $0.fields[.webhookSignature] = "v1,not*base64!" },
        FailureCase(.standardWebhooks, "v1 entry unpadded", .malformedSignature) {
            $0.fields[.webhookSignature] = String($0.fields[.webhookSignature]!.dropLast())
        },
        FailureCase(.standardWebhooks, "v1 entry url-safe alphabet", .malformedSignature) {
            $0.fields[.webhookSignature] = "v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE="
        },
        FailureCase(.standardWebhooks, "v1 entry of 16 bytes", .malformedSignature) { $0.fields[.webhookSignature] = "v1,AAAAAAAAAAAAAAAAAAAAAA==" },
        FailureCase(.standardWebhooks, "one bad v1 entry among good", .malformedSignature) {
            $0.fields[.webhookSignature] = $0.fields[.webhookSignature]! + " v1,???"
        },
        FailureCase(.standardWebhooks, "too many entries", .malformedSignature) {
            $0.fields[.webhookSignature] = Array(repeating: "v1a,AAAA", count: 40).joined(separator: " ")
        },
        FailureCase(.standardWebhooks, "only unknown versions", .signatureMismatch) { $0.fields[.webhookSignature] = "v1a,AAAA v2,BBBB" },
        FailureCase(.standardWebhooks, "id contains a dot", .malformedDeliveryID) { $0.fields[.webhookID] = "msg.1" },
        FailureCase(.standardWebhooks, "id is empty", .malformedDeliveryID) { $0.fields[.webhookID] = "" },
        FailureCase(.standardWebhooks, "id contains a space", .malformedDeliveryID) { $0.fields[.webhookID] = "msg 1" },
        FailureCase(.standardWebhooks, "id over 256 bytes", .malformedDeliveryID) { $0.fields[.webhookID] = String(repeating: "m", count: 257) },
        FailureCase(.standardWebhooks, "id is not ASCII", .malformedDeliveryID) { $0.fields[.webhookID] = "msg_é" },
        FailureCase(.standardWebhooks, "timestamp in milliseconds", .futureTimestamp) { $0.fields[.webhookTimestamp] = "1614265330000" },
        FailureCase(.standardWebhooks, "timestamp not a number", .malformedTimestamp) { $0.fields[.webhookTimestamp] = "yesterday" },
        FailureCase(.standardWebhooks, "timestamp with fraction", .malformedTimestamp) { $0.fields[.webhookTimestamp] = "1614265330.5" },
        FailureCase(.standardWebhooks, "timestamp with sign", .malformedTimestamp) { $0.fields[.webhookTimestamp] = "+1614265330" },
        FailureCase(.standardWebhooks, "negative timestamp", .malformedTimestamp) { $0.fields[.webhookTimestamp] = "-1" },
        FailureCase(.standardWebhooks, "timestamp too long", .malformedTimestamp) {
            $0.fields[.webhookTimestamp] = String(repeating: "9", count: 40)
        },
        FailureCase(.standardWebhooks, "timestamp empty", .malformedTimestamp) { $0.fields[.webhookTimestamp] = "" },
        FailureCase(.standardWebhooks, "stale", .staleTimestamp) { $0.now = $0.now.addingTimeInterval(301) },
        FailureCase(.standardWebhooks, "future", .futureTimestamp) { $0.now = $0.now.addingTimeInterval(-301) },
        FailureCase(.standardWebhooks, "tampered body", .signatureMismatch) { $0.body[10] ^= 0x01 },
        FailureCase(.standardWebhooks, "body with trailing newline", .signatureMismatch) { $0.body.append(0x0A) },
        FailureCase(.standardWebhooks, "id changed", .signatureMismatch) { $0.fields[.webhookID] = "msg_replayed" },
        FailureCase(.standardWebhooks, "timestamp changed within tolerance", .signatureMismatch) {
            $0.fields[.webhookTimestamp] = String(Int($0.fields[.webhookTimestamp]!)! + 1)
        },
        FailureCase(.standardWebhooks, "wrong secret", .signatureMismatch) {
            $0.fields = Fixtures.signedFields(.standardWebhooks, secret: Fixtures.strangerSecret(.standardWebhooks))
        },
    ]

    static let hub: [FailureCase] = [
        FailureCase(.hubSHA256, "missing signature", .missingSignature) { $0.fields[.hubSignature256] = nil },
        FailureCase(.hubSHA256, "signature under the Jira name only", .missingSignature) {
            $0.fields[.hubSignature] = $0.fields[.hubSignature256]
            $0.fields[.hubSignature256] = nil
        },
        FailureCase(.hubSHA256, "duplicated signature", .duplicateHeader) { $0.duplicate(.hubSignature256) },
        FailureCase(.hubSHA256, "duplicated delivery id", .duplicateHeader) { $0.duplicate(.gitHubDelivery, value: "other") },
        FailureCase(.hubSHA256, "GitHub and Atlassian ids differ", .duplicateHeader) { $0.fields[.atlassianWebhookIdentifier] = "other" },
        FailureCase(.hubSHA256, "legacy sha1", .malformedSignature) { $0.fields[.hubSignature256] = "sha1=" + String(repeating: "a", count: 40) },
        FailureCase(.hubSHA256, "no prefix", .malformedSignature) { $0.fields[.hubSignature256] = String($0.fields[.hubSignature256]!.dropFirst(7)) },
        FailureCase(.hubSHA256, "prefix in upper case", .malformedSignature) {
            $0.fields[.hubSignature256] = "SHA256=" + $0.fields[.hubSignature256]!.dropFirst(7)
        },
        FailureCase(.hubSHA256, "63 hex digits", .malformedSignature) {
            $0.fields[.hubSignature256] = String($0.fields[.hubSignature256]!.dropLast())
        },
        FailureCase(.hubSHA256, "66 hex digits", .malformedSignature) { $0.fields[.hubSignature256] = $0.fields[.hubSignature256]! + "00" },
        FailureCase(.hubSHA256, "non-hex digit", .malformedSignature) { $0.fields[.hubSignature256] = "sha256=" + String(repeating: "g", count: 64) },
        FailureCase(.hubSHA256, "base64 instead of hex", .malformedSignature) {
            $0.fields[.hubSignature256] = "sha256=g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        },
        // HTTPFields itself strips control characters from values, so non-ASCII is the character test here.
        FailureCase(.hubSHA256, "delivery id not ASCII", .malformedDeliveryID) { $0.fields[.gitHubDelivery] = "délivery-1" },
        FailureCase(.hubSHA256, "delivery id with inner space", .malformedDeliveryID) {
            $0.fields[.gitHubDelivery] = nil
            $0.fields[.atlassianWebhookIdentifier] = "abc def"
        },
        FailureCase(.hubSHA256, "delivery id over 256 bytes", .malformedDeliveryID) {
            $0.fields[.gitHubDelivery] = String(repeating: "d", count: 300)
        },
        FailureCase(.hubSHA256, "tampered body", .signatureMismatch) { $0.body[0] = UInt8(ascii: "[") },
        FailureCase(.hubSHA256, "truncated body", .signatureMismatch) { $0.body.removeLast() },
        FailureCase(.hubSHA256, "wrong secret", .signatureMismatch) {
            $0.fields = Fixtures.signedFields(.hubSHA256, secret: Fixtures.strangerSecret(.hubSHA256))
        },
        FailureCase(.hubSHA256, "bad delivery id on a forged body", .signatureMismatch) {
            $0.body.append(0x20)
            $0.fields[.gitHubDelivery] = ""
        },
    ]

    static let slack: [FailureCase] = [
        FailureCase(.slackV0, "missing signature", .missingSignature) { $0.fields[.slackSignature] = nil },
        FailureCase(.slackV0, "missing timestamp", .missingSignature) { $0.fields[.slackRequestTimestamp] = nil },
        FailureCase(.slackV0, "duplicated signature", .duplicateHeader) { $0.duplicate(.slackSignature) },
        FailureCase(.slackV0, "duplicated timestamp", .duplicateHeader) { $0.duplicate(.slackRequestTimestamp, value: "1614265331") },
        FailureCase(.slackV0, "unknown version", .malformedSignature) {
            $0.fields[.slackSignature] = "v1=" + $0.fields[.slackSignature]!.dropFirst(3)
        },
        FailureCase(.slackV0, "hub prefix", .malformedSignature) {
            $0.fields[.slackSignature] = "sha256=" + $0.fields[.slackSignature]!.dropFirst(3)
        },
        FailureCase(.slackV0, "short hex", .malformedSignature) { $0.fields[.slackSignature] = "v0=abcdef" },
        FailureCase(.slackV0, "timestamp not a number", .malformedTimestamp) { $0.fields[.slackRequestTimestamp] = "now" },
        FailureCase(.slackV0, "timestamp with exponent", .malformedTimestamp) { $0.fields[.slackRequestTimestamp] = "1.6e9" },
        FailureCase(.slackV0, "stale", .staleTimestamp) { $0.now = $0.now.addingTimeInterval(300.5) },
        FailureCase(.slackV0, "future", .futureTimestamp) { $0.now = $0.now.addingTimeInterval(-300.5) },
        FailureCase(.slackV0, "a day old", .staleTimestamp) { $0.now = $0.now.addingTimeInterval(86_400) },
        FailureCase(.slackV0, "tampered form body", .signatureMismatch) { $0.body += Array("&text=approve".utf8) },
        FailureCase(.slackV0, "timestamp changed within tolerance", .signatureMismatch) {
            $0.fields[.slackRequestTimestamp] = String(Int($0.fields[.slackRequestTimestamp]!)! - 10)
        },
        FailureCase(.slackV0, "wrong secret", .signatureMismatch) {
            $0.fields = Fixtures.signedFields(.slackV0, secret: Fixtures.strangerSecret(.slackV0))
        },
    ]

    static let staticToken: [FailureCase] = [
        FailureCase(.staticToken, "missing token", .missingSignature) { $0.fields[.authorization] = nil },
        FailureCase(.staticToken, "token in another header", .missingSignature) {
            $0.fields[Fixtures.customTokenHeader] = Fixtures.secretTexts(.staticToken).current
            $0.fields[.authorization] = nil
        },
        FailureCase(.staticToken, "duplicated Authorization", .duplicateHeader) { $0.duplicate(.authorization) },
        FailureCase(.staticToken, "Basic scheme", .malformedSignature) { $0.fields[.authorization] = "Basic dXNlcjpwYXNz" },
        FailureCase(.staticToken, "bare token in Authorization", .malformedSignature) {
            $0.fields[.authorization] = Fixtures.secretTexts(.staticToken).current
        },
        FailureCase(.staticToken, "scheme without token", .malformedSignature) { $0.fields[.authorization] = "Bearer" },
        FailureCase(.staticToken, "token with inner space", .malformedSignature) {
            $0.fields[.authorization] = "Bearer \(Fixtures.secretTexts(.staticToken).current) extra"
        },
        FailureCase(.staticToken, "comma-joined tokens", .malformedSignature) {
            $0.fields[.authorization] = "Bearer \(Fixtures.secretTexts(.staticToken).current), Bearer other"
        },
        FailureCase(.staticToken, "wrong token", .signatureMismatch) {
            $0.fields[.authorization] = "Bearer not-the-callers-secret-at-all"
        },
        FailureCase(.staticToken, "token prefix", .signatureMismatch) {
            $0.fields[.authorization] = "Bearer \(Fixtures.secretTexts(.staticToken).current.dropLast())"
        },
        FailureCase(.staticToken, "token with a character appended", .signatureMismatch) {
            $0.fields[.authorization] = "Bearer \(Fixtures.secretTexts(.staticToken).current)x"
        },
        FailureCase(.staticToken, "token in another case", .signatureMismatch) {
            $0.fields[.authorization] = "Bearer \(Fixtures.secretTexts(.staticToken).current.uppercased())"
        },
        FailureCase(.staticToken, "malformed Idempotency-Key", .malformedIdempotencyKey) { $0.fields[.idempotencyKey] = "unquoted" },
        FailureCase(.staticToken, "duplicated Idempotency-Key", .duplicateHeader) { $0.duplicate(.idempotencyKey, value: "\"b\"") },
        FailureCase(.staticToken, "wrong token and malformed Idempotency-Key", .signatureMismatch) {
            $0.fields[.authorization] = "Bearer not-the-callers-secret-at-all"
            $0.fields[.idempotencyKey] = "unquoted"
        },
    ]

    static let teams: [FailureCase] = [
        FailureCase(.teamsHMAC, "missing Authorization", .missingSignature) { $0.fields[.authorization] = nil },
        FailureCase(.teamsHMAC, "duplicated Authorization", .duplicateHeader) { $0.duplicate(.authorization) },
        FailureCase(.teamsHMAC, "Bearer scheme", .malformedSignature) {
            $0.fields[.authorization] = "Bearer " + $0.fields[.authorization]!.dropFirst(5)
        },
        FailureCase(.teamsHMAC, "no scheme word", .malformedSignature) { $0.fields[.authorization] = String($0.fields[.authorization]!.dropFirst(5)) },
        FailureCase(.teamsHMAC, "scheme without MAC", .malformedSignature) { $0.fields[.authorization] = "HMAC" },
        FailureCase(.teamsHMAC, "scheme and space only", .malformedSignature) { $0.fields[.authorization] = "HMAC " },
        FailureCase(.teamsHMAC, "unpadded base64", .malformedSignature) { $0.fields[.authorization] = String($0.fields[.authorization]!.dropLast()) },
        FailureCase(.teamsHMAC, "url-safe alphabet", .malformedSignature) {
            $0.fields[.authorization] = "HMAC ifckLg4KIBAmGrg___sR2y-WXF0w94sABmaBYqP1TeI="
        },
        FailureCase(.teamsHMAC, "hex instead of base64", .malformedSignature) { $0.fields[.authorization] = "HMAC " + String(repeating: "ab", count: 32) },
        FailureCase(.teamsHMAC, "MAC of 16 bytes", .malformedSignature) { $0.fields[.authorization] = "HMAC AAAAAAAAAAAAAAAAAAAAAA==" },
        FailureCase(.teamsHMAC, "comma-joined MACs", .malformedSignature) {
            $0.fields[.authorization] = $0.fields[.authorization]! + ", " + $0.fields[.authorization]!
        },
        FailureCase(.teamsHMAC, "text after the MAC", .malformedSignature) { $0.fields[.authorization] = $0.fields[.authorization]! + " x" },
        FailureCase(.teamsHMAC, "tampered body", .signatureMismatch) { $0.body[3] ^= 0x20 },
        FailureCase(.teamsHMAC, "body with trailing newline", .signatureMismatch) { $0.body.append(0x0A) },
        FailureCase(.teamsHMAC, "wrong token", .signatureMismatch) {
            $0.fields = Fixtures.signedFields(.teamsHMAC, secret: Fixtures.strangerSecret(.teamsHMAC))
        },
    ]

    @Test(arguments: standardWebhooks + hub + slack + staticToken + teams)
    func damagedRequestIsRefused(_ failure: FailureCase) {
        var delivery = Delivery.signed(failure.scheme)
        failure.damage(&delivery)
        #expect(throws: failure.expected) {
            try Fixtures.verifier(failure.scheme).verify(headerFields: delivery.fields, body: delivery.body, now: delivery.now)
        }
    }

    /// Every scheme's fixture is valid before damage, so each failure above is caused by its damage alone.
    @Test(arguments: SignatureScheme.allCases)
    func undamagedFixtureVerifies(_ scheme: SignatureScheme) throws {
        let delivery = Delivery.signed(scheme)
        _ = try Fixtures.verifier(scheme).verify(headerFields: delivery.fields, body: delivery.body, now: delivery.now)
    }

    /// A narrower tolerance is honoured in both directions.
    @Test(arguments: [SignatureScheme.standardWebhooks, .slackV0], [(61.0, SignatureError.staleTimestamp), (-61.0, .futureTimestamp)])
    func configuredToleranceIsHonoured(_ scheme: SignatureScheme, skew: (TimeInterval, SignatureError)) throws {
        let verifier = Fixtures.verifier(scheme, tolerance: .seconds(60))
        let fields = Fixtures.signedFields(scheme)
        _ = try verifier.verify(headerFields: fields, body: Fixtures.body, now: Fixtures.now.addingTimeInterval(skew.0 > 0 ? 60 : -60))
        #expect(throws: skew.1) {
            try verifier.verify(headerFields: fields, body: Fixtures.body, now: Fixtures.now.addingTimeInterval(skew.0))
        }
    }

    /// A request correctly signed by a sender that put a dot in its id is still refused: the id is ambiguous.
    @Test func correctlySignedDottedIDIsRefused() {
        let fields = Fixtures.signedFields(.standardWebhooks, deliveryID: "msg.1")
        #expect(throws: SignatureError.malformedDeliveryID) {
            try Fixtures.verifier(.standardWebhooks).verify(headerFields: fields, body: Fixtures.body, now: Fixtures.now)
        }
    }

    /// The Teams key is the decoded token: a MAC keyed with the token's text (computed with Python's `hmac`) is refused,
    /// while the one keyed with the decoded bytes verifies.
    @Test func teamsTokenTextIsNotTheKey() throws {
        let keyedWithText: HTTPFields = [.authorization: "HMAC OdEC6md4dapy9BR+oSd9Jztd1KSkwKPH2OMmUhmZ+fo="]
        let keyedWithBytes: HTTPFields = [.authorization: "HMAC IVO44DkM7lLFl23KgwRWfjci2un/n4FaKn3AMejLndA="]
        _ = try Fixtures.verifier(.teamsHMAC).verify(headerFields: keyedWithBytes, body: Fixtures.body, now: Fixtures.now)
        #expect(throws: SignatureError.signatureMismatch) {
            try Fixtures.verifier(.teamsHMAC).verify(headerFields: keyedWithText, body: Fixtures.body, now: Fixtures.now)
        }
    }

    /// A secret of one caller never verifies another caller's scheme, even with the same key text.
    @Test func hubSecretDoesNotVerifySlack() throws {
        let text = Fixtures.secretTexts(.slackV0).current
        let hubFields = WebhookSigner.headerFields(
            scheme: .hubSHA256, secret: try WebhookSecret(text, scheme: .hubSHA256), body: Fixtures.body, deliveryID: "d", timestamp: Fixtures.now)
        var slackFields = Fixtures.signedFields(.slackV0)
        slackFields[.slackSignature] = "v0=" + hubFields[.hubSignature256]!.dropFirst(7)
        #expect(throws: SignatureError.signatureMismatch) {
            try Fixtures.verifier(.slackV0).verify(headerFields: slackFields, body: Fixtures.body, now: Fixtures.now)
        }
    }
}
