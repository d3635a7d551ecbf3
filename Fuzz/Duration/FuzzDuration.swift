import FuzzSupport
@testable import FuzzedRequests

/// Fuzzes `ISO8601Duration.parse` and `parseShort`, the duration parsers of both request forms.
///
/// Invariants beyond not crashing: every accepted duration is a whole number of seconds in
/// (0, ``ISO8601Duration/maximum``], and `format` writes it back in a form `parse` reads as the same duration.
@main enum FuzzDuration {
    static func main() {
        FuzzMain.run { data, size in
            let text = FuzzInput.text(data, size)
            Self.check(ISO8601Duration.parse(text), text)
            Self.check(ISO8601Duration.parseShort(text), text)
            return 0
        }
    }

    private static func check(_ duration: Duration?, _ text: String) {
        guard let duration else { return }
        precondition(duration > .zero && duration <= ISO8601Duration.maximum, "'\(text)' parsed to \(duration), out of range")
        precondition(duration.components.attoseconds == 0, "'\(text)' parsed to a fraction of a second")
        let formatted = ISO8601Duration.format(duration)
        precondition(ISO8601Duration.parse(formatted) == duration, "'\(text)' parsed to \(duration), formatted as '\(formatted)', which does not parse back")
    }
}
