import Foundation
import GatewaySecurity
import HTTPTypes
import Testing

/// Mattermost slash commands: the static token in `Authorization: Token …`, in the `token` form field, or both.
@Suite struct StaticTokenFormFieldTests {
    static let current = Fixtures.secretTexts(.staticToken).current
    static let previous = Fixtures.secretTexts(.staticToken).previous

    /// A Mattermost-style slash-command body carrying `token`.
    static func body(token: String?) -> [UInt8] {
        let fields = ["channel_name=town-square", "command=%2Fsegura", "text=enable+credential+42+for+ticket+CHG0031337"]
        return Array((fields + (token.map { ["token=\($0)"] } ?? [])).joined(separator: "&").utf8)
    }

    static func verify(header: String?, body: [UInt8], formField: String? = "token") throws(SignatureError) -> VerifiedDelivery {
        let secrets = Fixtures.secrets(.staticToken)
        let verifier = CallerVerifier(scheme: .staticToken, secrets: [secrets.current, secrets.previous], tokenFormField: formField)
        var fields = HTTPFields()
        fields[.authorization] = header
        return try verifier.verify(headerFields: fields, body: body, now: Fixtures.now)
    }

    @Test(arguments: [current, previous])
    func formFieldAloneVerifies(_ token: String) throws {
        let delivery = try Self.verify(header: nil, body: Self.body(token: token))
        #expect(delivery.scheme == .staticToken && delivery.signatureDigest == nil)
    }

    @Test func headerAndFormFieldWithTheSameTokenVerify() throws {
        _ = try Self.verify(header: "Token \(Self.current)", body: Self.body(token: Self.current))
    }

    /// The field is percent-decoded before the compare, as any form value is.
    @Test func formFieldIsDecodedBeforeTheCompare() throws {
        let encoded = Self.current.replacingOccurrences(of: "_", with: "%5F")
        _ = try Self.verify(header: nil, body: Self.body(token: encoded))
    }

    /// A header that verifies cannot carry a body whose token says otherwise, even another active token.
    @Test(arguments: ["not-the-callers-secret-at-all", previous])
    func headerAndFormFieldThatDisagreeAreRefused(_ bodyToken: String) {
        #expect(throws: SignatureError.signatureMismatch) {
            try Self.verify(header: "Token \(Self.current)", body: Self.body(token: bodyToken))
        }
        #expect(throws: SignatureError.signatureMismatch) {
            try Self.verify(header: "Token \(bodyToken)", body: Self.body(token: Self.current))
        }
    }

    @Test func wrongFormFieldAloneIsRefused() {
        #expect(throws: SignatureError.signatureMismatch) {
            try Self.verify(header: nil, body: Self.body(token: Self.current + "x"))
        }
    }

    /// No header and no token in a valid form: nothing was presented.
    @Test(arguments: [
        "channel_name=town-square&text=hello",  // no token field
        "token=\(current)&text=100%",  // a malformed escape: not a form
        "token=\(current)&token=\(current)",  // a field twice: not a form
        "token=%FF\(current)",  // not UTF-8: not a form
        #"{"token":"\#(current)"}"#,  // JSON
        "",
    ])
    func bodyWithoutAFormTokenIsMissingSignature(_ body: String) {
        #expect(throws: SignatureError.missingSignature) {
            try Self.verify(header: nil, body: Array(body.utf8))
        }
    }

    /// A body that is not a form presents no token, so the header alone decides.
    @Test func headerAloneVerifiesWhateverTheBody() throws {
        _ = try Self.verify(header: "Token \(Self.current)", body: Array("token=\(Self.previous)&text=100%".utf8))
        _ = try Self.verify(header: "Token \(Self.current)", body: Self.body(token: nil))
    }

    @Test(arguments: ["", "two+words", "caf%C3%A9-token-0123456789"])
    func formTokenOutsideVisibleASCIIIsMalformed(_ token: String) {
        #expect(throws: SignatureError.malformedSignature) {
            try Self.verify(header: nil, body: Self.body(token: token))
        }
    }

    /// Without a configured field the body is never read for a token.
    @Test func formFieldIsReadOnlyWhenConfigured() {
        #expect(throws: SignatureError.missingSignature) {
            try Self.verify(header: nil, body: Self.body(token: Self.current), formField: nil)
        }
    }

    /// The field name is configurable and compared exactly.
    @Test func anotherFieldNameIsNotTheToken() throws {
        _ = try Self.verify(header: nil, body: Array("verification=\(Self.current)".utf8), formField: "verification")
        #expect(throws: SignatureError.missingSignature) {
            try Self.verify(header: nil, body: Array("Token=\(Self.current)".utf8))
        }
    }
}
