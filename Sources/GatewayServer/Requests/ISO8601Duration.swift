/// ISO 8601 durations (`PT2H`, `P1DT30M`, `P2W`) and the short form of text commands (`2h`, `30m`).
///
/// Calendar units (years, months) are refused: their length depends on the date, and a grant's length
/// must not. Fractions are refused too: nobody needs a 1.5-hour change window expressed that way.
public enum ISO8601Duration {
    /// Parses `PnWnDTnHnMnS`; returns `nil` for anything else, for zero and for more than 366 days.
    ///
    /// Each unit may appear once and in that order, and a `T` must be followed by a time component, as
    /// ISO 8601 and `openapi.yaml`'s pattern say: `PT1H1H` or `PT30M1H` are refused rather than summed, so
    /// the text a sender signs and the duration the gateway grants cannot disagree.
    public static func parse(_ text: String) -> Duration? {
        var rest = Substring(text.uppercased())
        guard rest.first == "P" else { return nil }
        rest.removeFirst()
        var seconds: Int64 = 0
        var inTime = false
        /// The units in their only allowed order; a component must use a unit after the previous one.
        let order: [(unit: Character, isTime: Bool, seconds: Int64)] = [
            ("W", false, 7 * 86_400), ("D", false, 86_400), ("H", true, 3_600), ("M", true, 60), ("S", true, 1),
        ]
        var nextUnit = order.startIndex
        var sawComponent = false
        var sawTimeComponent = false
        while !rest.isEmpty {
            if rest.first == "T" {
                guard !inTime else { return nil }
                inTime = true
                rest.removeFirst()
                continue
            }
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = rest.first,
                let index = order[nextUnit...].firstIndex(where: { $0.unit == unit && $0.isTime == inTime })
            else { return nil }
            rest.removeFirst()
            seconds += value * order[index].seconds
            nextUnit = index + 1
            sawComponent = true
            sawTimeComponent = inTime
        }
        guard !inTime || sawTimeComponent else { return nil }
        return self.bounded(seconds, sawComponent: sawComponent)
    }

    /// Parses the text-command form `<n>s`, `<n>m`, `<n>h` or `<n>d` (also `min`, `hours`, `days`...).
    public static func parseShort(_ text: String) -> Duration? {
        let lowered = text.lowercased()
        let digits = lowered.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
        let unit = lowered.dropFirst(digits.count)
        let multiplier: Int64
        switch unit {
        case "s", "sec", "secs", "second", "seconds": multiplier = 1
        case "m", "min", "mins", "minute", "minutes": multiplier = 60
        case "h", "hr", "hrs", "hour", "hours": multiplier = 3_600
        case "d", "day", "days": multiplier = 86_400
        default: return nil
        }
        return self.bounded(value * multiplier, sawComponent: true)
    }

    /// Formats a whole number of seconds as an ISO 8601 duration, such as `PT2H30M`.
    public static func format(_ duration: Duration) -> String {
        var seconds = duration.components.seconds
        let days = seconds / 86_400
        seconds %= 86_400
        let hours = seconds / 3_600
        seconds %= 3_600
        let minutes = seconds / 60
        seconds %= 60
        var text = "P" + (days > 0 ? "\(days)D" : "")
        let time = (hours > 0 ? "\(hours)H" : "") + (minutes > 0 ? "\(minutes)M" : "") + (seconds > 0 ? "\(seconds)S" : "")
        if !time.isEmpty || days == 0 { text += "T" + (time.isEmpty ? "0S" : time) }
        return text
    }

    /// The longest accepted duration: a year of access is not a change window.
    public static let maximum = Duration.seconds(366 * 86_400)

    private static func bounded(_ seconds: Int64, sawComponent: Bool) -> Duration? {
        guard sawComponent, seconds > 0, seconds <= self.maximum.components.seconds else { return nil }
        return .seconds(seconds)
    }
}
