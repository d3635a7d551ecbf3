/// Lowercase hexadecimal, as the audit trail writes its hashes and its JSON `\u00XX` escapes.
enum LowercaseHex {
    /// The digits `0`–`9`, `a`–`f` as ASCII bytes, indexed by value.
    static let digits = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hex, two digits per byte, written straight into the string's storage.
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count) { buffer in
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = Self.digits[Int(byte >> 4)]
                buffer[2 * index + 1] = Self.digits[Int(byte & 0x0F)]
            }
            return 2 * bytes.count
        }
    }
}
