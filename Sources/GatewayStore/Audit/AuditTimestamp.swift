import Foundation

/// The text form of audit times outside the store: ISO 8601 in UTC with milliseconds, `2026-11-23T10:00:00.250Z`.
///
/// Written with exactly three fractional digits and a `Z`, so every exported time has one shape, sorts as text,
/// and converts back to the stored millisecond count exactly (which recomputing a record's hash needs).
/// Read leniently, because people and SIEMs type these back in (`audit export --since`): fractional seconds are
/// optional and may have any number of digits, and any UTC offset is accepted.
public enum AuditTimestamp {
    /// Parses; formatting is done by hand (``string(from:)``).
    private static let iso8601 = Date.ISO8601FormatStyle()

    /// `date` as `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, rounded to the millisecond like every stored time.
    ///
    /// Written from the millisecond count with civil-date arithmetic (Howard Hinnant's `civil_from_days`), not
    /// by a date formatter: every log line and every grant in an answer needs one, and Foundation's fractional
    /// output, derived from a binary floating-point value, can come out one millisecond low.
    public static func string(from date: Date) -> String {
        let milliseconds = date.millisecondsSince1970
        let (days, millisecondOfDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let (day, millisecond) = millisecondOfDay < 0 ? (days - 1, millisecondOfDay + 86_400_000) : (days, millisecondOfDay)
        let shifted = day + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)

        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        /// `value` in decimal, zero-padded to at least `count` digits.
        func digits(_ value: Int64, _ count: Int) {
            let text = String(value.magnitude)
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, count - text.utf8.count)))
            bytes.append(contentsOf: text.utf8)
        }
        digits(year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(dayOfMonth, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(millisecond / 3_600_000, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(millisecond / 60_000 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(millisecond / 1000 % 60, 2)
        bytes.append(UInt8(ascii: "."))
        digits(millisecond % 1000, 3)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses an ISO 8601 date and time with a `Z` or `±hh:mm` offset, with or without fractional seconds,
    /// such as `2026-11-23T10:00:00Z`; `nil` for anything else, including trailing text.
    public static func date(from text: String) -> Date? {
        text.wholeMatch(of: Self.iso8601)?.output
    }
}
