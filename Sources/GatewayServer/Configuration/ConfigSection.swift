import Configuration
import Foundation

/// Reads typed values under one key prefix and records each problem with its full key path,
/// so a bad file is explained completely in one pass instead of one error per start attempt.
final class ConfigSection {
    private let reader: ConfigReader
    private let environmentOnly: ConfigReader?
    private let path: [String]
    private let recorder: IssueRecorder

    /// Collects issues across every section of one load.
    final class IssueRecorder {
        private(set) var issues: [ConfigurationIssue] = []
        func record(_ keyPath: String, _ message: String) { self.issues.append(ConfigurationIssue(keyPath: keyPath, message: message)) }
    }

    /// - Parameter environmentOnly: a reader over the environment alone, to tell where a secret came from.
    init(reader: ConfigReader, environmentOnly: ConfigReader? = nil, path: [String] = [], recorder: IssueRecorder) {
        self.reader = reader
        self.environmentOnly = environmentOnly
        self.path = path
        self.recorder = recorder
    }

    /// The section for `key` below this one.
    func section(_ key: String) -> ConfigSection {
        ConfigSection(reader: self.reader, environmentOnly: self.environmentOnly, path: self.path + [key], recorder: self.recorder)
    }

    /// The value of `key` when an environment variable sets it (`segura.client_secret` ← `SEGURA_CLIENT_SECRET`).
    func environmentValue(_ key: String) -> String? {
        self.environmentOnly?.string(forKey: self.configKey(key), isSecret: true)
    }

    /// The dotted path of `key` in this section, for messages.
    func keyPath(_ key: String) -> String { (self.path + [key]).joined(separator: ".") }

    /// Records a problem with `key`.
    func fail(_ key: String, _ message: String) { self.recorder.record(self.keyPath(key), message) }

    private func configKey(_ key: String) -> ConfigKey { ConfigKey(self.path + [key]) }

    /// Whether the key has a value of any type.
    func contains(_ key: String) -> Bool {
        self.reader.string(forKey: self.configKey(key)) != nil || self.reader.int(forKey: self.configKey(key)) != nil
            || self.reader.bool(forKey: self.configKey(key)) != nil || self.reader.stringArray(forKey: self.configKey(key)) != nil
    }

    func string(_ key: String, isSecret: Bool = false) -> String? {
        self.typed(key, expected: "a string") { self.reader.string(forKey: self.configKey(key), isSecret: isSecret) }
    }

    func requiredString(_ key: String) -> String? {
        let value = self.string(key)
        if value == nil, !self.contains(key) { self.fail(key, "is required") }
        return value
    }

    func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
        guard let value = self.typed(key, expected: "a whole number", { self.reader.int(forKey: self.configKey(key)) }) else { return defaultValue }
        guard range.contains(value) else {
            self.fail(key, "must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return defaultValue
        }
        return value
    }

    func bool(_ key: String, default defaultValue: Bool) -> Bool {
        self.typed(key, expected: "true or false") { self.reader.bool(forKey: self.configKey(key)) } ?? defaultValue
    }

    func stringArray(_ key: String, isSecret: Bool = false) -> [String]? {
        self.typed(key, expected: "a list of strings") { self.reader.stringArray(forKey: self.configKey(key), isSecret: isSecret) }
    }

    /// A value of one of `Value`'s raw values.
    func choice<Value: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: Value) -> Value where Value.RawValue == String {
        guard let text = self.string(key) else { return defaultValue }
        guard let value = Value(rawValue: text) else {
            self.fail(key, "must be one of \(Value.allCases.map { $0.rawValue }.joined(separator: ", ")), found '\(text)'")
            return defaultValue
        }
        return value
    }

    /// Reads a value, and if it is present but of the wrong type, records that.
    private func typed<Value>(_ key: String, expected: String, _ read: () -> Value?) -> Value? {
        if let value = read() { return value }
        if self.contains(key) { self.fail(key, "must be \(expected)") }
        return nil
    }
}
