import Crypto
import Foundation
import GatewaySecurity
import Testing
import TestSupport

/// Mattermost's signed `trigger_id`, made here exactly as the server's `model.GenerateTriggerId` makes it.
@Suite("Mattermost trigger ids")
struct MattermostTriggerIDTests {
    static let server = MattermostServerKey()
    static let now = Date(timeIntervalSince1970: 1_765_020_000)
    static let verifier = MattermostTriggerID(publicKey: server.publicKey)!

    @Test("the server's trigger for the user the form names verifies, with the key as base64 DER or PEM")
    func valid() throws {
        try Self.verifier.verify(try Self.server.triggerID(user: "erj6qck3rfgtujs86w5r6rckzh", at: Self.now), userID: "erj6qck3rfgtujs86w5r6rckzh", now: Self.now)
        let der = try #require(Data(base64Encoded: Self.server.publicKey))
        let pem = try #require(MattermostTriggerID(publicKey: try P256.Signing.PublicKey(derRepresentation: der).pemRepresentation))
        try pem.verify(try Self.server.triggerID(user: "u1", at: Self.now), userID: "u1", now: Self.now.addingTimeInterval(120))
    }

    @Test("another user, another server, an old trigger or a mangled one is refused")
    func refused() throws {
        #expect(throws: SignatureError.signatureMismatch) {
            try Self.verifier.verify(try Self.server.triggerID(user: "alice", at: Self.now), userID: "bob", now: Self.now)
        }
        #expect(throws: SignatureError.signatureMismatch) {
            try Self.verifier.verify(try MattermostServerKey().triggerID(user: "alice", at: Self.now), userID: "alice", now: Self.now)
        }
        #expect(throws: SignatureError.staleTimestamp) {
            try Self.verifier.verify(try Self.server.triggerID(user: "alice", at: Self.now.addingTimeInterval(-600)), userID: "alice", now: Self.now)
        }
        for mangled in ["", "not base64!", Data("a:b:c".utf8).base64EncodedString(), Data("a:alice:1:AAAA".utf8).base64EncodedString()] {
            #expect(throws: SignatureError.malformedSignature) { try Self.verifier.verify(mangled, userID: "alice", now: Self.now) }
        }
    }

    @Test("a key that is not P-256 is refused at configuration")
    func badKey() {
        #expect(MattermostTriggerID(publicKey: "MFkw") == nil)
        #expect(MattermostTriggerID(publicKey: Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()) == nil)
    }
}
