import Foundation
import GatewayStore
import Testing

@testable import GatewayServer

@Suite("Log timestamps")
struct UTCTimestampTests {
    /// The log's own civil-date arithmetic agrees with Foundation's ISO 8601 formatter (through AuditTimestamp).
    @Test(arguments: [Int64(0), 951_782_400_000, 1_709_164_800_123, 1_800_000_000_999, 4_102_444_799_999, 253_402_300_799_999, -86_400_001])
    func agreesWithTheISO8601Formatter(_ milliseconds: Int64) {
        let expected = AuditTimestamp.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
        #expect(UTCTimestamp.string(millisecondsSince1970: milliseconds) == expected)
    }
}
