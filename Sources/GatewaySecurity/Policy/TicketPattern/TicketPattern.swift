/// A caller's ticket pattern, compiled once and matched against the whole ticket in time linear in its length.
///
/// Tickets are chosen by whoever calls the gateway, so the pattern must not be run by a backtracking engine:
/// in ICU, `([A-Z]+)+[0-9]` spends most of a second of CPU on a 128-byte ticket of letters. This matcher
/// compiles the pattern to a Thompson NFA and runs every alternative in lockstep (as RE2 and Go's `regexp`
/// do), so a match costs at most O(program length × ticket length) whatever either contains, and compiling
/// is bounded by ``maximumRepetitionCount`` and ``maximumInstructionCount``.
///
/// The pattern must match the whole ticket, as if written `\A(?:pattern)\z`. The syntax is the part of ICU's
/// that ticket references use, with the same meaning:
/// - literal scalars, and any escaped scalar that is not an ASCII letter or digit (`\.`, `\-`, `\/`, `\\`);
/// - `.`, any scalar but a line terminator (LF, VT, FF, CR, NEL, U+2028, U+2029);
/// - `\d`, `\w`, `\s` and their negations `\D`, `\W`, `\S`;
/// - classes `[…]` and `[^…]` with ranges and escapes; a `-` first or last is literal;
/// - groups `(…)` and `(?:…)`, alternation `|`;
/// - `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` with n, m ≤ ``maximumRepetitionCount``, greedy or lazy (`*?`);
/// - anchors `^` and `\A` (the start), `\z` (the end), `$` and `\Z` (the end, or before a line terminator that
///   ends the ticket, which the match must then still consume: `^CHG[0-9]{7}$` refuses `CHG0000001\n`).
///
/// Where it differs from ICU, it refuses or is stricter:
/// - `\d`, `\w` and `\s` are ASCII (`[0-9]`, `[A-Za-z0-9_]`, `[\t\n\x0B\f\r ]`), where ICU's include every
///   Unicode digit, letter and space; so `CHG\d{7}` refuses `CHG٠٠٣١٣٣٧`, while `\D`, `\W` and `\S` accept
///   more than in ICU. The sets do not depend on the Unicode tables of the toolchain.
/// - Possessive quantifiers (`a*+`) are refused: they change what matches, and only backtracking honours them.
/// - Backreferences, lookaround, atomic and named groups, inline flags, `\b`, `\p{…}`, `\Q…\E`, ICU's set
///   operations inside classes, any other letter escape (ICU reads an unknown one such as `\q` as the letter),
///   and a leading unescaped `]` in a class are refused with a ``TicketPatternError`` naming the construct
///   and its offset.
struct TicketPattern: Sendable {
    /// The largest n or m in `{n}`, `{n,}` and `{n,m}`.
    static let maximumRepetitionCount = 1000
    /// The largest compiled program: counted repetitions are expanded, so `(a{100}){100}` is 10,000 copies of
    /// `a`. It bounds compile time and, per scalar, match time.
    static let maximumInstructionCount = 10_000
    /// The deepest nesting of groups, which bounds the recursion of parsing and compiling.
    static let maximumGroupDepth = 32

    let program: Program

    /// A sentence for `check-config` when the pattern would backtrack catastrophically in other engines, or
    /// `nil`; see ``BacktrackingCheck``.
    let backtrackingWarning: String?

    /// Compiles `pattern`, refusing anything outside the supported syntax or over the limits.
    init(_ pattern: String) throws(TicketPatternError) {
        let scalars = Array(pattern.unicodeScalars)
        let syntax = try Parser.parse(scalars)
        self.program = try Program(compiling: syntax)
        self.backtrackingWarning = BacktrackingCheck.warning(for: syntax, in: scalars)
    }

    /// Whether the whole of `text`, scalar by scalar, matches the pattern.
    func matchesWhole(_ text: String) -> Bool {
        self.program.run(on: Array(text.unicodeScalars)).isMatch
    }
}
