import Foundation
import GatewayStore
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
            "ts": AuditTimestamp.string(from: Date()),
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
