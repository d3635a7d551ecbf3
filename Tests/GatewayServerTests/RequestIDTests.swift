import Foundation
@testable import GatewayServer
import Testing

@Suite("Request ids")
struct RequestIDTests {
    @Test("A request id is req_ and 32 lowercase hex digits laid out as a UUIDv7 of the given time")
    func layout() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000.123)
        let id = RequestID.make(now: now)
        let hex = try #require(id.hasPrefix("req_") ? Array(id.dropFirst(4)) : nil)
        #expect(hex.count == 32)
        #expect(hex.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(UInt64(String(hex[0..<12]), radix: 16) == 1_800_000_000_123)
        #expect(hex[12] == "7")
        #expect("89ab".contains(hex[16]))
    }

    @Test("Ids sort by time, and ids of one millisecond still differ")
    func orderAndUniqueness() {
        let earlier = RequestID.make(now: Date(timeIntervalSince1970: 1_800_000_000))
        let later = RequestID.make(now: Date(timeIntervalSince1970: 1_800_000_000.001))
        #expect(earlier < later)
        let sameInstant = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(Set((0..<1000).map { _ in RequestID.make(now: sameInstant) }).count == 1000)
    }
}
