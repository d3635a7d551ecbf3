import Foundation

/// Time-ordered random ids (the UUIDv7 layout of RFC 9562: 48 bits of Unix milliseconds, then 74 random bits),
/// so ids inserted one after another land on the same index page instead of a random one.
public enum TimeOrderedID {
    /// `prefix` followed by 32 lowercase hex digits.
    public static func make(prefix: String, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        let high = milliseconds << 16 | 0x7000 | generator.next() & 0x0FFF  // version 7, 12 random bits
        let low = 0x8000_0000_0000_0000 | generator.next() & 0x3FFF_FFFF_FFFF_FFFF  // variant 10, 62 random bits
        var bytes = Array(prefix.utf8)
        bytes.reserveCapacity(bytes.count + 32)
        for value in [high, low] {
            for shift in stride(from: 60, through: 0, by: -4) {
                let nibble = UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0xF
                bytes.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
