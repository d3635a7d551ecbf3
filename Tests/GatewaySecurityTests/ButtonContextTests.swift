import Crypto
import Foundation
import GatewaySecurity
import Testing

/// The gateway's own signature on the decision buttons of platforms that do not sign clicks.
@Suite("Button contexts")
struct ButtonContextTests {
    static let signer = ButtonContext(key: SymmetricKey(size: .bits256))
    static let now = Date(timeIntervalSince1970: 1_765_020_000)
    static let fields = ButtonContext.Fields(approvalID: "apr_1", decision: "approve", channelID: "ch1", expiresAt: now.addingTimeInterval(900))

    @Test("a button's own context verifies until it expires")
    func valid() throws {
        try Self.signer.verify(Self.fields, signature: Self.signer.signature(for: Self.fields), now: Self.now)
        #expect(throws: SignatureError.staleTimestamp) {
            try Self.signer.verify(Self.fields, signature: Self.signer.signature(for: Self.fields), now: Self.now.addingTimeInterval(900))
        }
    }

    @Test("another approval, decision, channel or expiry, another key, or a mangled signature fails")
    func forged() {
        let signature = Self.signer.signature(for: Self.fields)
        var changed: [ButtonContext.Fields] = []
        for mutate in [
            { (fields: inout ButtonContext.Fields) in fields.approvalID = "apr_2" },
            { $0.decision = "deny" },
            { $0.channelID = "ch2" },
            { $0.expiresAt = $0.expiresAt.addingTimeInterval(3600) },
        ] {
            var fields = Self.fields
            mutate(&fields)
            changed.append(fields)
        }
        for fields in changed {
            #expect(throws: SignatureError.signatureMismatch) { try Self.signer.verify(fields, signature: signature, now: Self.now) }
        }
        #expect(throws: SignatureError.signatureMismatch) {
            try ButtonContext(key: SymmetricKey(size: .bits256)).verify(Self.fields, signature: signature, now: Self.now)
        }
        for mangled in ["", "not base64", Data(repeating: 0, count: 16).base64EncodedString()] {
            #expect(throws: SignatureError.malformedSignature) { try Self.signer.verify(Self.fields, signature: mangled, now: Self.now) }
        }
    }

    @Test("the key never shows in a description")
    func redacted() {
        #expect(!"\(Self.signer)".isEmpty)
        #expect(String(reflecting: Self.signer).contains("<redacted>"))
    }
}
