/// One problem in a configuration file, with the key path that holds it.
public struct ConfigurationIssue: Sendable, Hashable, CustomStringConvertible {
    /// The dotted key path, such as `callers.servicenow.secrets[1]`.
    public let keyPath: String
    /// What is wrong and, where it helps, what would be right. Never contains a secret value.
    public let message: String

    public var description: String { "\(self.keyPath): \(self.message)" }
}

/// Every problem found while loading a configuration; start-up stops on any of them.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// The problems, in the order of the keys.
    public let issues: [ConfigurationIssue]

    public var description: String {
        "the configuration has \(self.issues.count) problem\(self.issues.count == 1 ? "" : "s"):\n"
            + self.issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}
