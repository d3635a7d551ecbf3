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
        return prefix + Self.hex(high) + Self.hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
