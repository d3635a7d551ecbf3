import Foundation
import GatewaySecurity
import GatewayVocabulary
import HTTPTypes
import Testing

/// Nothing the library prints may carry a secret, a token or a MAC.
@Suite struct RedactionTests {
    /// Every text form of `value`: `print`, `debugPrint`, interpolation and `dump`.
    static func renderings(of value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), "\(value)", dumped]
    }

    /// Spellings of a secret an accidental print could produce: as configured, without its prefix, in hex.
    static func spellings(of text: String) -> [String] {
        let bare = text.hasPrefix("whsec_") ? String(text.dropFirst(6)) : text
        let hex = text.utf8.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        return [text, bare, hex, String(bare.prefix(12))]
    }

    @Test(arguments: SignatureScheme.allCases)
    func secretsAlwaysPrintRedacted(_ scheme: SignatureScheme) {
        let secret = Fixtures.secrets(scheme).current
        #expect(secret.description == "<redacted>")
        #expect(secret.debugDescription == "<redacted>")
        for rendering in Self.renderings(of: secret) {
            for spelling in Self.spellings(of: Fixtures.secretTexts(scheme).current) {
                #expect(!rendering.contains(spelling), "\(rendering)")
            }
        }
        for rendering in Self.renderings(of: [secret]) {
            #expect(!rendering.contains(Fixtures.secretTexts(scheme).current))
        }
    }

    @Test(arguments: SignatureScheme.allCases)
    func verifierPrintsNoKeyMaterial(_ scheme: SignatureScheme) {
        let verifier = Fixtures.verifier(scheme)
        let texts = Fixtures.secretTexts(scheme)
        for rendering in Self.renderings(of: verifier) {
            #expect(rendering.contains(scheme.rawValue) || rendering.contains("\(scheme)"))
            for spelling in Self.spellings(of: texts.current) + Self.spellings(of: texts.previous) {
                #expect(!rendering.contains(spelling), "\(rendering)")
            }
        }
    }

    /// A mismatch names neither the MAC that was sent nor the one that was expected.
    @Test(arguments: SignatureScheme.allCases)
    func mismatchDoesNotEchoMACs(_ scheme: SignatureScheme) throws {
        let genuine = Fixtures.signedFields(scheme)
        let forged = Fixtures.signedFields(scheme, secret: Fixtures.strangerSecret(scheme))
        do {
            _ = try Fixtures.verifier(scheme).verify(headerFields: forged, body: Fixtures.body, now: Fixtures.now)
            Issue.record("a forged request verified")
        } catch {
            #expect(error == .signatureMismatch)
            let renderings = Self.renderings(of: error)
            for field in Array(genuine) + Array(forged) where field.value.count >= 16 && field.name != .webhookID {
                let credential = field.value.split(separator: ",").last.map(String.init) ?? field.value
                for rendering in renderings {
                    #expect(!rendering.contains(credential), "\(rendering)")
                    #expect(!rendering.contains(String(credential.suffix(16))), "\(rendering)")
                }
            }
        }
    }

    static let allErrors: [SignatureError] = [
        .missingSignature, .duplicateHeader, .malformedSignature, .malformedTimestamp, .malformedDeliveryID,
        .malformedIdempotencyKey, .staleTimestamp, .futureTimestamp, .signatureMismatch,
    ]

    @Test func signatureErrorCodesAndStatusesAreStable() {
        #expect(Self.allErrors.map(\.code.rawValue) == [
            "missing_signature", "duplicate_header", "malformed_signature", "malformed_timestamp", "malformed_delivery_id",
            "malformed_idempotency_key", "stale_timestamp", "future_timestamp", "signature_mismatch",
        ])
        #expect(Self.allErrors.map(\.code.httpStatus) == [401, 401, 401, 400, 401, 400, 401, 401, 401])
        #expect(Set(Self.allErrors).count == Self.allErrors.count)
    }

    @Test(arguments: allErrors)
    func signatureErrorDescriptionIsFixedText(_ error: SignatureError) {
        #expect(error.description.hasPrefix("SignatureError.\(error.code.rawValue): "))
        #expect(!error.description.contains("="))  // no header value, hex or base64 can hide in it
    }
}
