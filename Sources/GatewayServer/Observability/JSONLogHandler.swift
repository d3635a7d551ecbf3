import Foundation
import Logging
import Synchronization

/// Writes one JSON object per log line to standard error, for log shippers.
///
/// swift-log has no JSON handler. Lines are written whole under a lock so concurrent requests never
/// interleave; the message is constant and the data is in metadata (swift-log's best practice), so
/// a line never needs parsing to find the request id, the caller or the error code.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    /// A handler for `label`, as `LoggingSystem.bootstrap` expects.
    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [
            "ts": UTCTimestamp.now(),
            "level": event.level.rawValue,
            "logger": self.label,
            "msg": event.message.description,
        ]
        for (key, value) in self.metadata {
            fields[key] = value.description
        }
        for (key, value) in event.metadata ?? [:] {
            fields[key] = value.description
        }
        var line = JSONWriter.object(capacity: 256) { json in
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                json.field(key, value)
            }
        }
        line.append(UInt8(ascii: "\n"))
        Self.output.withLock { _ in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }

    private static let output = Mutex(())
}

/// Log timestamps, `2026-11-23T10:00:00.250Z`: ISO 8601 in UTC with milliseconds, computed from the Unix time
/// (Howard Hinnant's `civil_from_days`) rather than by a date formatter, because every log line needs one.
enum UTCTimestamp {
    static func now() -> String {
        Self.string(millisecondsSince1970: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    static func string(millisecondsSince1970 milliseconds: Int64) -> String {
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
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
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
}
