import Foundation

/// The check every ticket reference must pass: non-empty, bounded, printable, and matching the caller's
/// pattern as a whole when one is configured.
///
/// The pattern is compiled once with `NSRegularExpression`, which Foundation declares `Sendable` (it is
/// immutable and documented thread-safe on every platform), so the compiled value can live in a `Sendable`
/// policy shared across requests. Swift's `Regex` was not used because it is not `Sendable` on every
/// toolchain this package may meet.
struct TicketRule: Sendable {
    /// The longest ticket accepted, in UTF-8 bytes, checked before any matching.
    ///
    /// Real references (`CHG0031337`, `OPS-1234`) are far shorter. The cap bounds the regex engine's work on
    /// caller-supplied input; it cannot make a pathological pattern (nested quantifiers such as `(a+)+`)
    /// safe, so operators must not configure one.
    static let maximumByteCount = 128

    /// The pattern as configured, for display.
    let pattern: String?
    private let expression: NSRegularExpression?

    /// Compiles `pattern` so that it must match the whole ticket.
    ///
    /// The pattern is first compiled on its own, so one that is not a complete expression (an unbalanced `)`
    /// that could escape the anchoring group) is refused, and then wrapped in `\A(?:…)\z`. `\z`, unlike `$`,
    /// does not match before a trailing newline, so `CHG0000001\n` cannot pass `^CHG[0-9]{7}$`.
    init(pattern: String?) throws(PolicyConfigurationError) {
        self.pattern = pattern
        guard let pattern else {
            self.expression = nil
            return
        }
        do {
            _ = try NSRegularExpression(pattern: pattern)
            self.expression = try NSRegularExpression(pattern: "\\A(?:\(pattern))\\z")
        } catch {
            throw .invalidTicketPattern
        }
    }

    /// Whether `ticket` is acceptable.
    func accepts(_ ticket: String) -> Bool {
        guard (1...Self.maximumByteCount).contains(ticket.utf8.count),
            !ticket.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return false }
        guard let expression = self.expression else { return true }
        let whole = NSRange(ticket.startIndex..., in: ticket)
        return expression.firstMatch(in: ticket, options: [.anchored], range: whole)?.range == whole
    }
}
