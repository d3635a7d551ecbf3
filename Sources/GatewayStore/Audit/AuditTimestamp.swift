import Foundation

/// The text form of audit times outside the store: ISO 8601 in UTC with milliseconds, `2026-11-23T10:00:00.250Z`.
///
/// Written with exactly three fractional digits and a `Z`, so every exported time has one shape, sorts as text,
/// and converts back to the stored millisecond count exactly (which recomputing a record's hash needs).
/// Read leniently, because people and SIEMs type these back in (`audit export --since`): fractional seconds are
/// optional and may have any number of digits, and any UTC offset is accepted.
public enum AuditTimestamp {
    /// Formats and parses whole seconds. Foundation's fractional output is derived from a binary floating-point
    /// value and can come out one millisecond low, so milliseconds are written from the integer count instead.
    private static let iso8601 = Date.ISO8601FormatStyle()

    /// `date` as `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, rounded to the millisecond like every stored time.
    public static func string(from date: Date) -> String {
        var (seconds, milliseconds) = date.millisecondsSince1970.quotientAndRemainder(dividingBy: 1000)
        if milliseconds < 0 {
            // Before 1970 the remainder is negative; borrow a second so the fraction counts forward.
            seconds -= 1
            milliseconds += 1000
        }
        let fraction = String(milliseconds)
        var text = Self.iso8601.format(Date(timeIntervalSince1970: TimeInterval(seconds)))
        text.removeLast()  // the "Z", put back after the fraction
        return text + "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "Z"
    }

    /// Parses an ISO 8601 date and time with a `Z` or `±hh:mm` offset, with or without fractional seconds,
    /// such as `2026-11-23T10:00:00Z`; `nil` for anything else, including trailing text.
    public static func date(from text: String) -> Date? {
        text.wholeMatch(of: Self.iso8601)?.output
    }
}
