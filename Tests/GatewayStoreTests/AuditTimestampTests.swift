import Foundation
import GatewayStore
import Testing

@Suite("Audit timestamps")
struct AuditTimestampTests {
    /// The hand-written civil-date arithmetic agrees with Foundation's ISO 8601 formatter, leap days, the end of
    /// a century, the far future and times before 1970 included.
    @Test(arguments: [
        Int64(0), 951_782_400_000, 1_709_164_800_123, 1_800_000_000_999, 4_102_444_799_999, 253_402_300_799_999, -86_400_001,
        -2_208_988_800_000,
    ])
    func agreesWithFoundationsISO8601Formatter(_ milliseconds: Int64) {
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        let seconds = Date(timeIntervalSince1970: Double(milliseconds.quotientAndRemainder(dividingBy: 1000).quotient - (milliseconds % 1000 < 0 ? 1 : 0)))
        var expected = Date.ISO8601FormatStyle().format(seconds)
        expected.removeLast()
        let fraction = (milliseconds % 1000 + 1000) % 1000
        expected += "." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction) + "Z"
        #expect(AuditTimestamp.string(from: date) == expected)
    }
}
