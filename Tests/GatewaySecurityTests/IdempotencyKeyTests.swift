import GatewaySecurity
import HTTPTypes
import Testing

/// `Idempotency-Key` is one RFC 8941 sf-string (draft-ietf-httpapi-idempotency-key-header).
@Suite struct IdempotencyKeyTests {
    @Test(arguments: [
        (#""8e03978e-40d5-43e8-bc93-6894a57f9324""#, "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        (#""CHG0031337/enable/42""#, "CHG0031337/enable/42"),
        (#""with \"quotes\" and \\ backslash""#, #"with "quotes" and \ backslash"#),
        (#""spaces inside are fine""#, "spaces inside are fine"),
        (#"  "surrounding spaces"  "#, "surrounding spaces"),
        ("\"" + String(repeating: "k", count: 256) + "\"", String(repeating: "k", count: 256)),
    ])
    func validKeyIsUnquoted(_ value: String, expected: String) throws {
        #expect(try CallerVerifier.idempotencyKey(from: [.idempotencyKey: value]) == expected)
    }

    @Test(arguments: [
        "8e03978e-40d5-43e8-bc93-6894a57f9324",  // a token, not an sf-string
        #""unterminated"#,
        #"unopened""#,
        #""""#,  // empty
        #""a";p=1"#,  // parameters
        #""a", "b""#,  // a list
        #""a" "b""#,
        #""bad \n escape""#,
        "\"non-ascii é\"",
        "\"tab\tinside\"",
        "\"" + String(repeating: "k", count: 257) + "\"",
    ])
    func malformedKeyIsRefused(_ value: String) {
        #expect(throws: SignatureError.malformedIdempotencyKey) {
            try CallerVerifier.idempotencyKey(from: [.idempotencyKey: value])
        }
    }

    @Test func absentKeyIsNil() throws {
        #expect(try CallerVerifier.idempotencyKey(from: [.authorization: "Bearer x"]) == nil)
    }

    @Test func keySentTwiceIsRefused() {
        var fields = HTTPFields()
        fields[values: .idempotencyKey] = [#""a""#, #""a""#]
        #expect(throws: SignatureError.duplicateHeader) { try CallerVerifier.idempotencyKey(from: fields) }
    }

    /// The signer quotes and escapes, and the verifier gives back the original key.
    @Test(arguments: ["plain", #"quote " inside"#, #"back\slash"#, #"both \" together"#])
    func signerAndVerifierRoundTripTheKey(_ key: String) throws {
        let fields = Fixtures.signedFields(.staticToken, deliveryID: key)
        #expect(try CallerVerifier.idempotencyKey(from: fields) == key)
        let delivery = try Fixtures.verifier(.staticToken).verify(headerFields: fields, body: [], now: Fixtures.now)
        #expect(delivery.deliveryID == key)
    }
}
