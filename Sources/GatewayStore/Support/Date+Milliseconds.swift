import Foundation

extension Date {
    /// The instant `milliseconds` after 1970-01-01T00:00:00Z.
    package init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Whole milliseconds since 1970, rounded to the nearest; the precision every stored time is kept at.
    ///
    /// Rounding (not truncating) makes the conversion stable: a date built from a millisecond count converts
    /// back to the same count despite binary floating point.
    package var millisecondsSince1970: Int64 {
        Int64((self.timeIntervalSince1970 * 1000).rounded())
    }

    /// This date moved by `duration`, at millisecond precision.
    package func adding(_ duration: Duration) -> Date {
        Date(millisecondsSince1970: self.millisecondsSince1970 + duration.wholeMilliseconds)
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded toward zero.
    package var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
