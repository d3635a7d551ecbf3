extension TicketPattern {
    /// Reads a pattern into ``Syntax``, refusing anything outside the supported subset with the offset where it
    /// starts.
    ///
    /// Recursive descent over the pattern's scalars; recursion follows group nesting only, which is capped at
    /// ``TicketPattern/maximumGroupDepth``, so no pattern can exhaust the stack.
    struct Parser {
        private let scalars: [Unicode.Scalar]
        private var position = 0
        private var groupDepth = 0

        private init(_ scalars: [Unicode.Scalar]) {
            self.scalars = scalars
        }

        static func parse(_ scalars: [Unicode.Scalar]) throws(TicketPatternError) -> Syntax {
            guard !scalars.isEmpty else { throw .empty }
            var parser = Self(scalars)
            let syntax = try parser.parseAlternation()
            // The top level stops early only at a `)` that no group opened.
            guard parser.position == scalars.count else { throw .malformed("unbalanced ')'", at: parser.position) }
            return syntax
        }

        private var current: Unicode.Scalar? { self.scalar(at: self.position) }

        private func scalar(at offset: Int) -> Unicode.Scalar? {
            offset < self.scalars.count ? self.scalars[offset] : nil
        }

        private func text(_ offsets: Range<Int>) -> String {
            String(String.UnicodeScalarView(self.scalars[offsets]))
        }

        // MARK: Expressions

        private mutating func parseAlternation() throws(TicketPatternError) -> Syntax {
            var branches = [try self.parseConcatenation()]
            while self.current == "|" {
                self.position += 1
                branches.append(try self.parseConcatenation())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        private mutating func parseConcatenation() throws(TicketPatternError) -> Syntax {
            var items: [Syntax] = []
            while let scalar = self.current, scalar != "|", scalar != ")" {
                items.append(try self.parseQuantified())
            }
            switch items.count {
            case 0: return .empty
            case 1: return items[0]
            default: return .concatenation(items)
            }
        }

        private mutating func parseQuantified() throws(TicketPatternError) -> Syntax {
            let start = self.position
            let atom = try self.parseAtom()
            guard let (minimum, maximum) = try self.parseQuantifier() else { return atom }
            if let next = self.current, Self.quantifierStarts.contains(next) {
                throw .malformed("a quantifier cannot follow another quantifier", at: self.position)
            }
            return .repetition(Repetition(body: atom, minimum: minimum, maximum: maximum, source: start..<self.position))
        }

        private static let quantifierStarts: Set<Unicode.Scalar> = ["*", "+", "?", "{"]

        private mutating func parseAtom() throws(TicketPatternError) -> Syntax {
            let start = self.position
            let scalar = self.scalars[start]
            switch scalar {
            case "(":
                return try self.parseGroup()
            case "[":
                return .scalars(try self.parseClass())
            case "\\":
                switch try self.parseEscape() {
                case .scalar(let literal): return .scalars(ScalarSet(literal))
                case .set(let set): return .scalars(set)
                case .anchor(let anchor): return .anchor(anchor)
                }
            case "*", "+", "?", "{":
                throw .malformed("the quantifier '\(scalar)' has nothing to repeat", at: start)
            case "}":
                throw .malformed("an unescaped '}' closes no counted repetition; write \\} for a literal brace", at: start)
            default:
                self.position += 1
                switch scalar {
                case ".": return .scalars(.anyButLineTerminator)
                case "^": return .anchor(.start)
                case "$": return .anchor(.endBeforeFinalLineTerminator)
                default: return .scalars(ScalarSet(scalar))
                }
            }
        }

        /// Reads `*`, `+`, `?` or `{n}`, `{n,}`, `{n,m}`, and a lazy `?` after it, which changes nothing for a
        /// whole-string match. A possessive `+` after it is refused: it forbids giving back what it consumed,
        /// so `[A-Z]*+[A-Z]` matches nothing, and only a backtracking engine can honour that.
        private mutating func parseQuantifier() throws(TicketPatternError) -> (minimum: Int, maximum: Int?)? {
            let start = self.position
            guard let scalar = self.current, Self.quantifierStarts.contains(scalar) else { return nil }
            self.position += 1
            let bounds: (minimum: Int, maximum: Int?) =
                switch scalar {
                case "*": (0, nil)
                case "+": (1, nil)
                case "?": (0, 1)
                default: try self.parseCountedRepetition(openedAt: start)
                }
            switch self.current {
            case "?":
                self.position += 1
            case "+":
                self.position += 1
                throw .unsupported("the possessive quantifier \(self.text(start..<self.position))", at: start)
            default:
                break
            }
            return bounds
        }

        /// Reads the rest of `{n}`, `{n,}` or `{n,m}` after the `{` at `start`.
        private mutating func parseCountedRepetition(openedAt start: Int) throws(TicketPatternError) -> (minimum: Int, maximum: Int?) {
            let malformed = TicketPatternError.malformed(
                "'{' must open a counted repetition such as {3}, {2,} or {2,5}; write \\{ for a literal brace", at: start
            )
            guard let minimum = self.parseCount() else { throw malformed }
            var maximum: Int? = minimum
            if self.current == "," {
                self.position += 1
                maximum = self.parseCount()
            }
            guard self.current == "}" else { throw malformed }
            self.position += 1
            let limit = TicketPattern.maximumRepetitionCount
            guard minimum <= limit, (maximum ?? 0) <= limit else {
                throw .tooLarge("the counted repetition \(self.text(start..<self.position)) is over \(limit)", at: start)
            }
            if let maximum, maximum < minimum {
                throw .malformed("the counted repetition \(self.text(start..<self.position)) has its maximum below its minimum", at: start)
            }
            return (minimum, maximum)
        }

        /// Reads decimal digits, saturating just above the repetition limit so a long run cannot overflow.
        private mutating func parseCount() -> Int? {
            var value: Int?
            while let scalar = self.current, ("0"..."9").contains(scalar) {
                value = min((value ?? 0) * 10 + Int(scalar.value - 0x30), TicketPattern.maximumRepetitionCount + 1)
                self.position += 1
            }
            return value
        }

        // MARK: Groups

        private mutating func parseGroup() throws(TicketPatternError) -> Syntax {
            let start = self.position
            self.position += 1
            if self.current == "?" {
                guard self.scalar(at: start + 2) == ":" else { throw .unsupported(self.groupKind(at: start), at: start) }
                self.position += 2
            }
            self.groupDepth += 1
            guard self.groupDepth <= TicketPattern.maximumGroupDepth else {
                throw .tooLarge("groups are nested more than \(TicketPattern.maximumGroupDepth) deep", at: start)
            }
            let body = try self.parseAlternation()
            guard self.current == ")" else { throw .malformed("the '(' is never closed", at: start) }
            self.position += 1
            self.groupDepth -= 1
            return body
        }

        /// Names the `(?…` construct at `start`, for the error refusing it.
        private func groupKind(at start: Int) -> String {
            switch (self.scalar(at: start + 2), self.scalar(at: start + 3)) {
            case ("=", _): "lookahead (?="
            case ("!", _): "negative lookahead (?!"
            case ("<", "="): "lookbehind (?<="
            case ("<", "!"): "negative lookbehind (?<!"
            case ("<", _), ("P", _), ("'", _): "a named group"
            case (">", _): "an atomic group (?>"
            case ("#", _): "a comment group (?#"
            default: "an inline flag group such as (?i)"
            }
        }

        // MARK: Classes

        /// Reads `[…]` or `[^…]`: single scalars, ranges such as `A-Z`, escapes, and class escapes such as `\d`.
        ///
        /// A `-` is literal where it cannot make a range (first, last, or after a range), as in ICU. ICU's set
        /// syntax (nested classes, `[:alpha:]`, `&&` and `--`) and a leading unescaped `]` are refused rather
        /// than read differently.
        private mutating func parseClass() throws(TicketPatternError) -> ScalarSet {
            let start = self.position
            self.position += 1
            let isNegated = self.current == "^"
            if isNegated { self.position += 1 }
            if self.current == "]" {
                throw .unsupported("an unescaped ']' at the start of a class", at: self.position)
            }
            var members: ScalarSet = .empty
            while self.current != "]" {
                guard let scalar = self.current else { throw .malformed("the '[' is never closed", at: start) }
                let memberStart = self.position
                if scalar == "[" {
                    throw .unsupported("a nested class or POSIX class", at: memberStart)
                }
                try self.refuseSetOperator()
                switch try self.parseClassMember() {
                case .set(let set):
                    members = members.union(set)
                case .scalar(let lower):
                    guard self.current == "-", let afterDash = self.scalar(at: self.position + 1), afterDash != "]" else {
                        members = members.union(ScalarSet(lower))
                        continue
                    }
                    try self.refuseSetOperator()
                    self.position += 1
                    guard case .scalar(let upper) = try self.parseClassMember() else {
                        throw .malformed("a range cannot end in a class escape", at: memberStart)
                    }
                    guard lower <= upper else {
                        throw .malformed("the range \(self.text(memberStart..<self.position)) is reversed", at: memberStart)
                    }
                    members = members.union(ScalarSet(lower, through: upper))
                case .anchor:
                    throw .unsupported("an anchor inside a class", at: memberStart)
                }
            }
            self.position += 1
            return isNegated ? members.inverted : members
        }

        /// Refuses `&&` and `--` at the current position, which ICU reads as set intersection and difference.
        private func refuseSetOperator() throws(TicketPatternError) {
            guard let scalar = self.current, scalar == "&" || scalar == "-", self.scalar(at: self.position + 1) == scalar else { return }
            throw .unsupported("the class operator \(scalar)\(scalar)", at: self.position)
        }

        private mutating func parseClassMember() throws(TicketPatternError) -> Item {
            let scalar = self.scalars[self.position]
            if scalar == "\\" { return try self.parseEscape() }
            self.position += 1
            return .scalar(scalar)
        }

        // MARK: Escapes

        /// What an escape or a class member stands for.
        private enum Item {
            case scalar(Unicode.Scalar)
            case set(ScalarSet)
            case anchor(Anchor)
        }

        /// Reads `\` and what follows. Any escaped scalar that is not an ASCII letter or digit stands for itself;
        /// letters and digits are refused unless listed here, because each is some other feature in ICU.
        private mutating func parseEscape() throws(TicketPatternError) -> Item {
            let start = self.position
            guard let scalar = self.scalar(at: start + 1) else { throw .malformed("a trailing '\\' escapes nothing", at: start) }
            self.position += 2
            switch scalar {
            case "d": return .set(.digits)
            case "D": return .set(ScalarSet.digits.inverted)
            case "w": return .set(.wordCharacters)
            case "W": return .set(ScalarSet.wordCharacters.inverted)
            case "s": return .set(.whitespace)
            case "S": return .set(ScalarSet.whitespace.inverted)
            case "A": return .anchor(.start)
            case "z": return .anchor(.end)
            case "Z": return .anchor(.endBeforeFinalLineTerminator)
            case "b", "B": throw .unsupported("the word boundary \\\(scalar)", at: start)
            case "p", "P": throw .unsupported("the Unicode property \\\(scalar){…}", at: start)
            case "k", "0"..."9": throw .unsupported("the backreference \\\(scalar)", at: start)
            case "Q": throw .unsupported("quoting with \\Q…\\E", at: start)
            case "a"..."z", "A"..."Z": throw .unsupported("the escape \\\(scalar)", at: start)
            default: return .scalar(scalar)
            }
        }
    }
}
