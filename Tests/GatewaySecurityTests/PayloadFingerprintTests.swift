import GatewaySecurity
import Testing

/// The idempotency fingerprint is plain lowercase hex SHA-256 of the raw bytes.
@Suite
struct PayloadFingerprintTests {
    @Test func knownDigests() {
        #expect(PayloadFingerprint.of([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(PayloadFingerprint.of(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
