extension TicketPattern {
    /// Finds the two shapes that make backtracking engines (ICU, Java, JavaScript, PCRE) take exponential time on
    /// a ticket that almost matches, so `check-config` can warn about them.
    ///
    /// The gateway's own matcher is linear, so the warning is for operators: the same pattern is often reused in
    /// a backtracking engine (ServiceNow, Jira, scripts), and either shape almost always signals a mistake.
    ///
    /// Inside a group that repeats more than once (`*`, `+`, `{2,}`, `{0,5}`…) it reports:
    /// - another unbounded quantifier, as in `(a+)+`, `([A-Z]+)*` or `(\w+\s?)+`: the engine can split a run
    ///   of input between the inner and outer loop in exponentially many ways;
    /// - an alternation two of whose branches can start with the same scalar, or can both match the empty
    ///   string, as in `(a|a)+` or `(\d|[0-9])+`: each repetition can take either branch.
    ///
    /// It is a syntactic check and errs towards warning. It also warns when a delimiter makes the nesting
    /// harmless (`(-[0-9]+)+`) or when branches share a first scalar but then differ (`(ab|ac)+`). It does not
    /// report bounded inner repetitions (`(a{1,2})+` is also exponential in a backtracking engine) nor the
    /// polynomial cases, such as adjacent overlapping quantifiers (`[A-Z]+[A-Z0-9]+`).
    enum BacktrackingCheck {
        /// A warning sentence naming the first risky sub-expression of `syntax`, or `nil`.
        static func warning(for syntax: Syntax, in pattern: [Unicode.Scalar]) -> String? {
            func quote(_ repetition: Repetition) -> String {
                "`\(String(String.UnicodeScalarView(pattern[repetition.source])))` at offset \(repetition.source.lowerBound)"
            }
            let consequence =
                "so a backtracking engine (ICU, Java, JavaScript, as in ServiceNow or Jira) can take exponential time on a "
                + "ticket that almost matches; the gateway's matcher is linear, but the pattern is unsafe wherever else it is used"
            switch self.firstRisk(in: syntax, repeatedBy: nil) {
            case nil:
                return nil
            case .nestedQuantifier(let outer, let inner):
                return "\(quote(outer)) repeats a group that contains the unbounded \(quote(inner)), \(consequence)"
            case .overlappingAlternation(let outer):
                return "\(quote(outer)) repeats an alternation whose branches can start with the same text, \(consequence)"
            }
        }

        private enum Risk {
            case nestedQuantifier(outer: Repetition, inner: Repetition)
            case overlappingAlternation(outer: Repetition)
        }

        /// The first risk in `syntax`, where `outer` is the outermost enclosing repetition that repeats more than
        /// once, if any.
        private static func firstRisk(in syntax: Syntax, repeatedBy outer: Repetition?) -> Risk? {
            switch syntax {
            case .empty, .scalars, .anchor:
                return nil
            case .concatenation(let items):
                return items.lazy.compactMap { self.firstRisk(in: $0, repeatedBy: outer) }.first
            case .alternation(let branches):
                if let outer, self.branchesOverlap(branches) { return .overlappingAlternation(outer: outer) }
                return branches.lazy.compactMap { self.firstRisk(in: $0, repeatedBy: outer) }.first
            case .repetition(let repetition):
                if let outer, repetition.maximum == nil { return .nestedQuantifier(outer: outer, inner: repetition) }
                let repeated = outer ?? (repetition.repeatsMoreThanOnce ? repetition : nil)
                return self.firstRisk(in: repetition.body, repeatedBy: repeated)
            }
        }

        private static func branchesOverlap(_ branches: [Syntax]) -> Bool {
            let starts = branches.map { (scalars: self.firstScalars(of: $0), matchesEmpty: self.matchesEmpty($0)) }
            for (index, first) in starts.enumerated() {
                for second in starts[(index + 1)...] {
                    if (first.matchesEmpty && second.matchesEmpty) || first.scalars.intersects(second.scalars) { return true }
                }
            }
            return false
        }

        /// The scalars a match of `syntax` can start with.
        private static func firstScalars(of syntax: Syntax) -> ScalarSet {
            switch syntax {
            case .empty, .anchor:
                return .empty
            case .scalars(let set):
                return set
            case .alternation(let branches):
                return branches.reduce(.empty) { $0.union(self.firstScalars(of: $1)) }
            case .repetition(let repetition):
                return repetition.maximum == 0 ? .empty : self.firstScalars(of: repetition.body)
            case .concatenation(let items):
                var scalars: ScalarSet = .empty
                for item in items {
                    scalars = scalars.union(self.firstScalars(of: item))
                    if !self.matchesEmpty(item) { break }
                }
                return scalars
            }
        }

        private static func matchesEmpty(_ syntax: Syntax) -> Bool {
            switch syntax {
            case .empty, .anchor: true
            case .scalars: false
            case .concatenation(let items): items.allSatisfy(self.matchesEmpty)
            case .alternation(let branches): branches.contains(where: self.matchesEmpty)
            case .repetition(let repetition): repetition.minimum == 0 || self.matchesEmpty(repetition.body)
            }
        }
    }
}
