import Foundation
import FuzzSupport
import GatewayVocabulary
import HTTPTypes
@testable import GatewaySecurity

/// Fuzzes webhook verification: every scheme's header parsers and `CallerVerifier.verify` as a whole.
///
/// Input: a `FuzzMessage`, header lines then an empty line and the raw body, as a delivery arrives. Each input
/// is verified by every caller of ``Caller/all``, and each header value goes through every value parser.
///
/// Invariants beyond not crashing:
/// - a verified delivery has a valid delivery id and a fresh timestamp where its scheme has them, and a
///   64-hex-digit signature digest unless it used a static token;
/// - a refusal is one of `SignatureError`'s fixed kinds (whose texts echo no input) with status 400 or 401;
/// - each value parser's result renders back to what it parsed;
/// - signer and verifier agree: a header value signed as a delivery id or idempotency key verifies, with that
///   id, exactly when the id is valid.
@main enum FuzzSignatureHeaders {
    static func main() {
        FuzzMain.run { data, size in
            let message = FuzzMessage(FuzzInput.bytes(data, size))
            var fields = HTTPFields()
            for field in message.fields {
                guard let name = HTTPField.Name(field.name) else { continue }
                fields.append(HTTPField(name: name, lenientValue: field.value))
            }
            for caller in Caller.all {
                Self.checkVerification(caller, fields, message.body)
            }
            for field in message.fields {
                let value = String(decoding: field.value, as: UTF8.self)
                ValueParserChecks.check(value)
                Self.checkSignerAgreement(id: value, body: message.body)
            }
            return 0
        }
    }

    static let knownErrors: Set<SignatureError> = [
        .missingSignature, .duplicateHeader, .malformedSignature, .malformedTimestamp, .malformedDeliveryID,
        .malformedIdempotencyKey, .staleTimestamp, .futureTimestamp, .signatureMismatch,
    ]

    private static func checkVerification(_ caller: Caller, _ fields: HTTPFields, _ body: [UInt8]) {
        let scheme = caller.verifier.scheme
        let delivery: VerifiedDelivery
        do {
            delivery = try caller.verifier.verify(headerFields: fields, body: body, now: caller.now)
        } catch {
            precondition(Self.knownErrors.contains(error), "unknown error \(error)")
            precondition(error.code.httpStatus == 400 || error.code.httpStatus == 401, "\(error) answered with \(error.code.httpStatus)")
            return
        }
        precondition(delivery.scheme == scheme, "\(scheme) verified a delivery as \(delivery.scheme)")
        if scheme.signsTimestamp {
            guard let signedAt = delivery.timestamp else { preconditionFailure("\(scheme) verified without a timestamp") }
            precondition(abs(signedAt.timeIntervalSince(caller.now)) <= 300, "\(scheme) verified a timestamp outside the window")
        } else {
            precondition(delivery.timestamp == nil, "\(scheme) reported a timestamp it does not sign")
        }
        switch scheme {
        case .standardWebhooks:
            guard let id = delivery.deliveryID else { preconditionFailure("Standard Webhooks verified without an id") }
            precondition((try? HeaderRules.validatedDeliveryID(id, allowingDot: false)) == id, "Standard Webhooks verified id '\(id)'")
        case .hubSHA256:
            if let id = delivery.deliveryID {
                precondition((try? HeaderRules.validatedDeliveryID(id, allowingDot: true)) == id, "hub verified id '\(id)'")
            }
        case .slackV0, .teamsHMAC:
            precondition(delivery.deliveryID == nil, "\(scheme) verified with a delivery id")
        case .staticToken:
            if let key = delivery.deliveryID {
                precondition((1...CallerVerifier.maximumIdempotencyKeyLength).contains(key.count), "idempotency key of \(key.count) characters")
            }
        }
        if scheme == .staticToken {
            precondition(delivery.signatureDigest == nil, "a static token has no signature digest")
        } else {
            let digest = delivery.signatureDigest ?? ""
            precondition(Hex.decode(digest)?.count == 32 && digest == digest.lowercased(), "signature digest '\(digest)'")
        }
    }

    /// Signs `body` with `id` as the Standard Webhooks delivery id and as the static token's idempotency key,
    /// and checks the verifier accepts it exactly when the id is valid, returning the id unchanged.
    private static func checkSignerAgreement(id: String, body: [UInt8]) {
        let standard = Caller.standardWebhooks
        let signed = WebhookSigner.headerFields(scheme: .standardWebhooks, secret: standard.secret, body: body, deliveryID: id, timestamp: standard.now)
        let verified = try? standard.verifier.verify(headerFields: signed, body: body, now: standard.now)
        let validID = (try? HeaderRules.validatedDeliveryID(id, allowingDot: false)) != nil
        precondition((verified != nil) == validID, "Standard Webhooks: signed id '\(id)' (valid: \(validID)) verified: \(verified != nil)")
        precondition(verified == nil || verified?.deliveryID == id, "Standard Webhooks: signed id '\(id)' verified as '\(verified?.deliveryID ?? "")'")

        let token = Caller.bearerToken
        let tokenFields = WebhookSigner.headerFields(scheme: .staticToken, secret: token.secret, body: body, deliveryID: id, timestamp: token.now)
        let key = try? token.verifier.verify(headerFields: tokenFields, body: body, now: token.now).deliveryID
        let validKey = (1...CallerVerifier.maximumIdempotencyKeyLength).contains(id.utf8.count) && id.utf8.allSatisfy { (0x20...0x7E).contains($0) }
        if validKey {
            precondition(key == id, "static token: idempotency key '\(id)' verified as \(String(describing: key))")
        } else {
            precondition(key != id, "static token: invalid idempotency key '\(id)' accepted unchanged")
        }
    }
}
