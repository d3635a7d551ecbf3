import Logging
import Synchronization

/// Collects log messages in memory, so tests can check what was (and was not) logged.
public final class LogCapture: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])

    public init() {}

    /// A logger whose every message lands in this capture.
    public func logger(label: String = "test") -> Logger {
        Logger(label: label) { _ in Handler(capture: self) }
    }

    /// The messages logged at `level` or above.
    public func messages(atLeast level: Logger.Level) -> [String] {
        self.lines.withLock { $0.filter { $0.level >= level }.map(\.message) }
    }

    /// Every message with its metadata rendered, for checks that secrets never appear anywhere.
    public var renderedLines: [String] {
        self.lines.withLock { $0.map { "\($0.level) \($0.message) \($0.metadata)" } }
    }

    fileprivate func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
        self.lines.withLock { $0.append((level, message, metadata)) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            self.capture.append(event.level, event.message.description, self.metadata.merging(event.metadata ?? [:]) { $1 })
        }
    }
}
