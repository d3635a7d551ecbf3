import GatewaySecurity
import Testing

/// Secrets are decoded and checked per scheme when the configuration is loaded.
@Suite struct WebhookSecretTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let scheme: SignatureScheme
        let text: String
        let expected: WebhookSecretError?
        var testDescription: String { "\(self.scheme.rawValue) \(self.text.debugDescription) → \(self.expected?.code ?? "ok")" }
    }

    static let cases: [Case] = [
        Case(scheme: .standardWebhooks, text: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", expected: nil),
        Case(scheme: .standardWebhooks, text: "whsec_AAAAAAAAAAAAAAAAAAAAAA==", expected: nil),  // exactly 16 bytes
        Case(scheme: .standardWebhooks, text: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", expected: .missingPrefix),
        Case(scheme: .standardWebhooks, text: "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", expected: .missingPrefix),
        Case(scheme: .standardWebhooks, text: "whsec_not base64 at all!", expected: .invalidBase64),
        Case(scheme: .standardWebhooks, text: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", expected: .invalidBase64),  // 31 characters
        Case(scheme: .standardWebhooks, text: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", expected: .invalidBase64),
        Case(scheme: .standardWebhooks, text: "whsec_====", expected: .invalidBase64),
        Case(scheme: .standardWebhooks, text: "whsec_", expected: .tooShort),
        Case(scheme: .standardWebhooks, text: "whsec_AAAAAAAAAAAAAAAAAAAA", expected: .tooShort),  // 15 bytes
        Case(scheme: .hubSHA256, text: "It's a Secret to Everybody", expected: nil),
        Case(scheme: .hubSHA256, text: "0123456789abcdef", expected: nil),
        Case(scheme: .hubSHA256, text: "0123456789abcde", expected: .tooShort),
        Case(scheme: .hubSHA256, text: "", expected: .tooShort),
        Case(scheme: .hubSHA256, text: "It's a Secret to Everybody\n", expected: .invalidCharacters),
        Case(scheme: .slackV0, text: "8f742231b10e8888abcd99yyyzzz85a5", expected: nil),
        Case(scheme: .slackV0, text: " 8f742231b10e8888abcd99yyyzzz85a5", expected: .invalidCharacters),
        Case(scheme: .slackV0, text: "short", expected: .tooShort),
        Case(scheme: .staticToken, text: "tok_live_3c5e7a9b1d2f4a6c", expected: nil),
        Case(scheme: .staticToken, text: "tok_live_3c5e7a9", expected: nil),  // 16 characters
        Case(scheme: .staticToken, text: "tok_live_3c5e7a", expected: .tooShort),
        Case(scheme: .staticToken, text: "tok live 3c5e7a9b1d2f4a6c", expected: .invalidCharacters),
        Case(scheme: .staticToken, text: "tok_live_3c5e7a9b1d2f4a6c\t", expected: .invalidCharacters),
        Case(scheme: .staticToken, text: "tok_live_3c5e7a9b1d2f4a6ç", expected: .invalidCharacters),
        Case(scheme: .teamsHMAC, text: "c2VndXJhLWdhdGV3YXkgdGVhbXMgdG9rZW4gMzJiISE=", expected: nil),  // 32 bytes, as Teams shows
        Case(scheme: .teamsHMAC, text: "AAAAAAAAAAAAAAAAAAAAAA==", expected: nil),  // exactly 16 bytes
        Case(scheme: .teamsHMAC, text: "AAAAAAAAAAAAAAAAAAAA", expected: .tooShort),  // 15 bytes
        Case(scheme: .teamsHMAC, text: "", expected: .tooShort),
        Case(scheme: .teamsHMAC, text: "segura-gateway teams token 32b!!", expected: .invalidBase64),  // the raw text
        Case(scheme: .teamsHMAC, text: "c2VndXJhLWdhdGV3YXkgdGVhbXMgdG9rZW4gMzJiISE", expected: .invalidBase64),  // unpadded
        Case(scheme: .teamsHMAC, text: "whsec_c2VndXJhLWdhdGV3YXkgdGVhbXMgdG9rZW4gMzJiISE=", expected: .invalidBase64),
        Case(scheme: .teamsHMAC, text: "c2VndXJhLWdhdGV3YXkgdGVhbXMgdG9rZW4gMzJiISE=\n", expected: .invalidCharacters),
        Case(scheme: .teamsHMAC, text: " c2VndXJhLWdhdGV3YXkgdGVhbXMgdG9rZW4gMzJiISE=", expected: .invalidCharacters),
    ]

    @Test(arguments: cases)
    func secretIsCheckedForItsScheme(_ testCase: Case) throws {
        if let expected = testCase.expected {
            #expect(throws: expected) { try WebhookSecret(testCase.text, scheme: testCase.scheme) }
        } else {
            let secret = try WebhookSecret(testCase.text, scheme: testCase.scheme)
            #expect(secret.scheme == testCase.scheme)
        }
    }

    @Test func errorCodesAreStable() {
        let errors: [WebhookSecretError] = [.missingPrefix, .invalidBase64, .invalidCharacters, .tooShort]
        #expect(errors.map(\.code) == ["missing_prefix", "invalid_base64", "invalid_characters", "too_short"])
        #expect(errors.map(\.shortDescription) == errors.map(\.code))
    }

    /// The error raised for a bad secret does not echo the secret.
    @Test(arguments: cases.filter { $0.expected != nil && $0.text.count > 8 })
    func errorDoesNotEchoTheSecret(_ testCase: Case) {
        do {
            _ = try WebhookSecret(testCase.text, scheme: testCase.scheme)
            Issue.record("expected \(testCase.expected!)")
        } catch {
            #expect(!"\(error)".contains(testCase.text))
            #expect(!String(reflecting: error).contains(testCase.text))
        }
    }
}
