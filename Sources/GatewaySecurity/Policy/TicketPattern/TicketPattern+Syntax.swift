extension TicketPattern {
    /// A parsed pattern: what the parser produces, the program compiler consumes and the backtracking check reads.
    ///
    /// Groups leave no node of their own: with whole-string matching and no captures, `(a|b)` and `(?:a|b)` are
    /// the same expression.
    indirect enum Syntax: Sendable {
        /// Matches the empty string: `()`, or an empty branch such as the second one of `(-|)`.
        case empty
        /// Consumes one scalar from the set: a literal, `.`, `\d`, or a bracketed class.
        case scalars(ScalarSet)
        /// Consumes nothing and holds only at certain positions: `^`, `$`, `\A`, `\z`, `\Z`.
        case anchor(Anchor)
        case concatenation([Syntax])
        case alternation([Syntax])
        case repetition(Repetition)
    }

    /// A position assertion.
    enum Anchor: Sendable {
        /// `^` and `\A`: the start of the input (there is no multi-line mode).
        case start
        /// `\z`: the end of the input.
        case end
        /// `$` and `\Z`, as ICU defines them: the end of the input, or just before a line terminator (or CR LF)
        /// that ends it. Whole-string matching still has to consume that terminator, so `CHG[0-9]{7}$` refuses
        /// `CHG0000001\n`.
        case endBeforeFinalLineTerminator

        /// Whether the assertion holds before `input[position]` (or at the end when `position == input.count`).
        func holds(at position: Int, in input: [Unicode.Scalar]) -> Bool {
            switch self {
            case .start:
                return position == 0
            case .end:
                return position == input.count
            case .endBeforeFinalLineTerminator:
                let remaining = input[position...]
                if remaining.isEmpty { return true }
                if remaining.count == 1 { return ScalarSet.lineTerminators.contains(remaining[position]) }
                return remaining.elementsEqual(["\r", "\n"])
            }
        }
    }

    /// A quantified expression: `body{minimum,maximum}`, where `*`, `+` and `?` are `{0,}`, `{1,}` and `{0,1}`.
    struct Repetition: Sendable {
        var body: Syntax
        var minimum: Int
        /// `nil` when unbounded.
        var maximum: Int?
        /// Where the quantified expression and its quantifier sit in the pattern, in scalar offsets, for messages.
        var source: Range<Int>

        /// Whether a backtracking engine may try the body more than once at a position, which is what makes
        /// ambiguity inside the body expensive there.
        var repeatsMoreThanOnce: Bool { self.maximum.map { $0 > 1 } ?? true }
    }
}
