import Foundation

/// Standard, padded base64 as Standard Webhooks uses it for keys and signatures.
enum Base64 {
    /// Decodes `text` only if it is canonical padded standard base64: the alphabet `A–Z a–z 0–9 + /`, `=`
    /// padding, no whitespace, and unused trailing bits zero.
    ///
    /// Foundation's decoder alone is lenient in places (it accepts `====`, for one); re-encoding and comparing
    /// rejects every non-canonical spelling, so one key or MAC has exactly one accepted text.
    static func decodeCanonical(_ text: some StringProtocol) -> [UInt8]? {
        let text = String(text)
        guard let data = Data(base64Encoded: text), data.base64EncodedString() == text else { return nil }
        return Array(data)
    }

    /// Encodes `bytes` as padded standard base64.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }
}
