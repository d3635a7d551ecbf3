import Foundation

/// Where a secret comes from: `env:NAME` or `file:/path`. Inline secrets are refused, so secrets
/// never live in a configuration file that ends up in a repository, a ticket or a support bundle.
enum SecretReference {
    case environment(String)
    case file(String)

    /// Parses a reference, or explains why the text is not one.
    static func parse(_ text: String) -> Result<Self, SecretReferenceError> {
        if text.hasPrefix("env:"), text.count > 4 { return .success(.environment(String(text.dropFirst(4)))) }
        if text.hasPrefix("file:"), text.count > 5 { return .success(.file(String(text.dropFirst(5)))) }
        return .failure(SecretReferenceError(message: "must be a reference, env:NAME or file:/path; secrets are never read inline"))
    }

    /// The secret's value, with one trailing newline removed (as files written by `echo` have).
    func resolve(environment: [String: String]) -> Result<String, SecretReferenceError> {
        switch self {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                return .failure(SecretReferenceError(message: "environment variable \(name) is not set"))
            }
            return .success(value)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                return .failure(SecretReferenceError(message: "cannot read secret file \(path)"))
            }
            var value = String(decoding: data, as: UTF8.self)
            if value.hasSuffix("\n") { value.removeLast() }
            if value.hasSuffix("\r") { value.removeLast() }
            guard !value.isEmpty else { return .failure(SecretReferenceError(message: "secret file \(path) is empty")) }
            return .success(value)
        }
    }
}

/// Why a secret reference could not be used; the message names the reference, never the value.
struct SecretReferenceError: Error {
    let message: String
}
