import Foundation

/// The replay window for schemes that sign a timestamp: how far a signed time may be from now, either way.
///
/// Both directions are checked, as the Standard Webhooks reference libraries and Slack's Python SDK do; a
/// future timestamp is either a skewed clock or a request signed in advance to be replayed later.
struct TimestampWindow: Sendable {
    /// The most digits accepted, so the value fits `Int64` with room to spare; real values have 10.
    private static let maximumDigitCount = 15

    /// The largest accepted distance from now; a distance exactly equal to it is accepted.
    let tolerance: Duration

    /// - Precondition: `tolerance` is not negative.
    init(tolerance: Duration) {
        precondition(tolerance >= .zero, "a timestamp tolerance cannot be negative")
        self.tolerance = tolerance
    }

    /// Parses a header of integer Unix seconds and checks it against `now`.
    ///
    /// Only ASCII digits are accepted: no sign, no fraction, no exponent, no spaces, no milliseconds beyond
    /// the digit cap.
    ///
    /// - Returns: the signed time.
    func check(_ text: String, now: Date) throws(SignatureError) -> Date {
        let digits = text.utf8
        guard (1...Self.maximumDigitCount).contains(digits.count),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let seconds = Int64(text)
        else { throw .malformedTimestamp }
        let signedAt = Date(timeIntervalSince1970: TimeInterval(seconds))
        let age = now.timeIntervalSince(signedAt)
        let components = self.tolerance.components
        let limit = TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
        if age > limit { throw .staleTimestamp }
        if -age > limit { throw .futureTimestamp }
        return signedAt
    }
}
