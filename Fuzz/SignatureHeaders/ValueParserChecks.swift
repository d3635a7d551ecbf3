import Foundation
import HTTPTypes
@testable import GatewaySecurity

/// Every header-value parser of the signature schemes, run on one value, with a round-trip check for each
/// value it accepts.
enum ValueParserChecks {
    static func check(_ value: String) {
        Self.standardWebhooksSignatures(value)
        for format in [HubSignatureFormat.signature, SlackSignatureFormat.signature] {
            Self.prefixedHex(value, format)
        }
        Self.staticToken(value)
        Self.teams(value)
        Self.timestamp(value)
        Self.deliveryID(value)
        Self.idempotencyKey(value)
    }

    /// `webhook-signature`: the accepted `v1` MACs are 32 bytes and render to a list that parses to them.
    private static func standardWebhooksSignatures(_ value: String) {
        guard let codes = try? StandardWebhooksFormat.signatures(in: value), !codes.isEmpty else { return }
        precondition(codes.allSatisfy { $0.count == MessageAuthenticator.codeByteCount }, "a v1 MAC of the wrong length in '\(value)'")
        let rendered = codes.map(StandardWebhooksFormat.render).joined(separator: " ")
        precondition((try? StandardWebhooksFormat.signatures(in: rendered)) == codes, "'\(value)' renders as '\(rendered)', which parses differently")
    }

    /// `sha256=<hex>` and `v0=<hex>`: an accepted value is the prefix and the MAC's hex, in either case.
    private static func prefixedHex(_ value: String, _ format: PrefixedHexSignature) {
        guard let code = try? format.parse(value) else { return }
        precondition(code.count == MessageAuthenticator.codeByteCount, "a MAC of \(code.count) bytes from '\(value)'")
        let rendered = format.render(code)
        precondition(rendered == format.prefix + value.dropFirst(format.prefix.count).lowercased(), "'\(value)' renders as '\(rendered)'")
    }

    /// A static token: non-empty visible ASCII; outside `Authorization` exactly the value.
    private static func staticToken(_ value: String) {
        let other = HTTPField.Name("X-Gateway-Token")!
        if let token = try? StaticTokenFormat.token(in: value, header: other) {
            precondition(token == Array(value.utf8), "token '\(value)' read as something else")
        }
        if let token = try? StaticTokenFormat.token(in: value, header: .authorization) {
            precondition(!token.isEmpty && token.allSatisfy(HeaderRules.isVisibleASCII), "Authorization '\(value)' gave an invalid token")
            precondition(value.utf8.suffix(token.count).elementsEqual(token), "Authorization '\(value)' gave a token it does not end with")
        }
    }

    /// `HMAC <base64>`: an accepted MAC is 32 bytes, and renders to the value with the scheme word in upper case
    /// and one space.
    private static func teams(_ value: String) {
        guard let code = try? TeamsSignatureFormat.signature(in: value) else { return }
        precondition(code.count == MessageAuthenticator.codeByteCount, "a Teams MAC of \(code.count) bytes from '\(value)'")
        let rendered = TeamsSignatureFormat.render(code)
        precondition((try? TeamsSignatureFormat.signature(in: rendered)) == code, "'\(value)' renders as '\(rendered)', which parses differently")
        precondition(value.uppercased().hasPrefix("HMAC ") && value.hasSuffix(rendered.dropFirst(5)), "'\(value)' renders as '\(rendered)'")
    }

    /// A signed timestamp: digits only, and within the window of the time it is checked at.
    private static func timestamp(_ value: String) {
        let now = Date(timeIntervalSince1970: 1_614_265_330)
        guard let signedAt = try? TimestampWindow(tolerance: .seconds(300)).check(value, now: now) else { return }
        precondition(value.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }, "timestamp '\(value)' is not digits")
        precondition(abs(signedAt.timeIntervalSince(now)) <= 300, "timestamp '\(value)' outside the window")
    }

    /// A delivery id: returned unchanged, 1 to 256 bytes of visible ASCII, no `.` when forbidden.
    private static func deliveryID(_ value: String) {
        for allowingDot in [false, true] {
            guard let id = try? HeaderRules.validatedDeliveryID(value, allowingDot: allowingDot) else { continue }
            precondition(id == value && (1...256).contains(id.utf8.count) && id.utf8.allSatisfy(HeaderRules.isVisibleASCII), "delivery id '\(value)'")
            precondition(allowingDot || !id.contains("."), "delivery id '\(value)' with a dot")
        }
    }

    /// `Idempotency-Key`: an accepted key, quoted again, reads back as the same key.
    private static func idempotencyKey(_ value: String) {
        var fields = HTTPFields()
        fields[.idempotencyKey] = value
        guard let key = try? CallerVerifier.idempotencyKey(from: fields) else { return }
        var requoted = HTTPFields()
        requoted[.idempotencyKey] = CallerVerifier.quotedIdempotencyKey(key)
        precondition((try? CallerVerifier.idempotencyKey(from: requoted)) == key, "idempotency key '\(value)' does not survive quoting")
    }
}
