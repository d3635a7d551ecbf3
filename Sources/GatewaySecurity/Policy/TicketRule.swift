/// The check every ticket reference must pass: non-empty, bounded, printable, and matching the caller's
/// pattern as a whole when one is configured.
///
/// The pattern is a ``TicketPattern``, compiled once and matched in time linear in the ticket's length, so a
/// caller cannot make one request cost more CPU than any other by sending a ticket that makes a pattern such
/// as `([A-Z]+)+[0-9]` backtrack.
struct TicketRule: Sendable {
    /// The longest ticket accepted, in UTF-8 bytes, checked before any matching.
    ///
    /// Real references (`CHG0031337`, `OPS-1234`) are far shorter. With the matcher's linear bound, the cap
    /// bounds every match: microseconds for a real pattern, tens of milliseconds for the largest program
    /// ``TicketPattern`` accepts.
    static let maximumByteCount = 128

    /// The pattern as configured, for display.
    let pattern: String?
    private let compiled: TicketPattern?

    /// Compiles `pattern` so that it must match the whole ticket.
    ///
    /// - Throws: ``PolicyConfigurationError/invalidTicketPattern`` with the compiler's message when the pattern
    ///   is not in the supported syntax or over its limits.
    init(pattern: String?) throws(PolicyConfigurationError) {
        self.pattern = pattern
        do throws(TicketPatternError) {
            self.compiled = try pattern.map(TicketPattern.init)
        } catch {
            throw .invalidTicketPattern(error)
        }
    }

    /// A warning for `check-config` when the pattern would backtrack catastrophically in other engines.
    var backtrackingWarning: String? { self.compiled?.backtrackingWarning }

    /// Whether `ticket` is acceptable.
    func accepts(_ ticket: String) -> Bool {
        guard (1...Self.maximumByteCount).contains(ticket.utf8.count),
            !ticket.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return false }
        return self.compiled?.matchesWhole(ticket) ?? true
    }
}
