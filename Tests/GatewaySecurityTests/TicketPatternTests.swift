import Foundation
@testable import GatewaySecurity
import GatewayVocabulary
import Testing

/// The ticket pattern matcher: its syntax, whole-ticket matching, refusals, limits, linear time, agreement with
/// ICU, and the backtracking warning.
@Suite struct TicketPatternTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var pattern: String
        var matching: [String]
        var notMatching: [String]

        var testDescription: String { self.pattern }
    }

    // MARK: Syntax

    @Test(arguments: [
        Example(pattern: "CHG", matching: ["CHG"], notMatching: ["chg", "CH", "CHGX", ""]),
        Example(pattern: "ação", matching: ["ação"], notMatching: ["acao", "ac\u{327}a\u{303}o"]),  // decomposed: other scalars
        Example(
            pattern: "a.c",
            matching: ["abc", "a-c", "aéc", "a\u{1C}c"],
            notMatching: ["ac", "abbc", "a\nc", "a\rc", "a\u{2028}c", "a\u{85}c"]
        ),
        Example(pattern: #"\d{3}"#, matching: ["012", "999"], notMatching: ["01a", "٠١٢", "12"]),
        Example(pattern: #"\D"#, matching: ["a", "-", "٣"], notMatching: ["5"]),
        Example(pattern: #"\w+"#, matching: ["A_z9"], notMatching: ["a-b", "é", ""]),
        Example(pattern: #"\W"#, matching: ["-", "é", " "], notMatching: ["a", "_", "7"]),
        Example(pattern: #"a\sb"#, matching: ["a b", "a\tb", "a\nb"], notMatching: ["ab", "a\u{A0}b", "a  b"]),
        Example(pattern: #"\S+"#, matching: ["x-y", "é"], notMatching: ["x y", "x\t"]),
        Example(pattern: ##"\.\-\\\(\)\[\]\{\}\|\*\+\?\^\$\/\#\ "##, matching: [#".-\()[]{}|*+?^$/# "#], notMatching: ["x", ""]),
        Example(pattern: #"\A[A-Z]+\z"#, matching: ["ABC"], notMatching: ["abc", "ABC\n"]),
        Example(pattern: "[A-Z0-9]+", matching: ["A9", "9A"], notMatching: ["a9", "A-9"]),
        Example(pattern: "[^0-9]+", matching: ["abc", "é-"], notMatching: ["a1", ""]),
        Example(pattern: #"[\d.-]+"#, matching: ["1.2-3"], notMatching: ["1,2", "a"]),
        Example(pattern: "[-a]", matching: ["-", "a"], notMatching: ["b"]),
        Example(pattern: "[a-]", matching: ["-", "a"], notMatching: ["b"]),
        Example(pattern: "[a-c-e]", matching: ["a", "b", "c", "-", "e"], notMatching: ["d"]),
        Example(pattern: #"[\]\[\\]"#, matching: ["]", "[", "\\"], notMatching: ["a"]),
        Example(pattern: #"[^\W_]"#, matching: ["a", "5"], notMatching: ["_", "-"]),
        Example(pattern: #"[\D]"#, matching: ["a"], notMatching: ["1"]),
        Example(pattern: "[.$^|()*]", matching: [".", "$", "^", "|", "(", ")", "*"], notMatching: ["a"]),
        Example(pattern: "[é-ë]", matching: ["é", "ê", "ë"], notMatching: ["e", "è"]),
        Example(pattern: "(CHG|INC)[0-9]{2}", matching: ["CHG01", "INC99"], notMatching: ["PRB01", "CHGINC01", "CHG1"]),
        Example(pattern: "(?:ab)+", matching: ["ab", "abab"], notMatching: ["", "aba"]),
        Example(pattern: "a|b|", matching: ["a", "b", ""], notMatching: ["ab"]),
        Example(pattern: "(-|)[0-9]", matching: ["-1", "1"], notMatching: ["--1"]),
        Example(pattern: "()", matching: [""], notMatching: ["a"]),
        Example(pattern: "ab*", matching: ["a", "abbb"], notMatching: ["b", "aab"]),
        Example(pattern: "ab+", matching: ["ab", "abbb"], notMatching: ["a"]),
        Example(pattern: "ab?", matching: ["a", "ab"], notMatching: ["abb"]),
        Example(pattern: "a{3}", matching: ["aaa"], notMatching: ["aa", "aaaa"]),
        Example(pattern: "a{2,}", matching: ["aa", "aaaaaa"], notMatching: ["a"]),
        Example(pattern: "a{2,4}", matching: ["aa", "aaa", "aaaa"], notMatching: ["a", "aaaaa"]),
        Example(pattern: "a{0}b", matching: ["b"], notMatching: ["ab"]),
        Example(pattern: "a{0,}", matching: ["", "aaa"], notMatching: ["b"]),
        Example(pattern: "a*?b+?c??d{1,2}?e{2,}?", matching: ["bdee", "abcddeee"], notMatching: ["dee", "abcddde"]),
        Example(pattern: "^CHG$", matching: ["CHG"], notMatching: ["CHG\n"]),
        Example(pattern: "^^CHG$$", matching: ["CHG"], notMatching: ["CHG\n"]),
        Example(pattern: "CHG$\n|INC\\Z\r\n", matching: ["CHG\n", "INC\r\n"], notMatching: ["CHG", "INC\r"]),
        Example(pattern: "a^b", matching: [], notMatching: ["ab", "a^b"]),
        Example(pattern: "(a*)*b", matching: ["b", "aab"], notMatching: ["aa"]),
        Example(pattern: "(a|ab)(c|bcd)", matching: ["ac", "abc", "abcd"], notMatching: ["abd"]),
        Example(pattern: "((((a))))", matching: ["a"], notMatching: ["aa"]),
    ])
    func supportedConstructs(_ example: Example) throws {
        let pattern = try TicketPattern(example.pattern)
        for text in example.matching {
            let matches = pattern.matchesWhole(text)
            #expect(matches, "\(example.pattern) should match \(text.debugDescription)")
        }
        for text in example.notMatching {
            let matches = pattern.matchesWhole(text)
            #expect(!matches, "\(example.pattern) should not match \(text.debugDescription)")
        }
    }

    /// The pattern must cover the whole ticket: no prefix, no suffix, no trailing newline.
    @Test func matchIsWholeTicket() throws {
        let pattern = try TicketPattern("CHG[0-9]{7}")
        #expect(pattern.matchesWhole("CHG0000001"))
        for ticket in ["XCHG0000001", "CHG0000001\n", "CHG00000012", "CHG000000", " CHG0000001", "CHG0000001 "] {
            #expect(!pattern.matchesWhole(ticket), "\(ticket.debugDescription)")
        }
        let anchored = try TicketPattern("^CHG[0-9]{7}$")
        #expect(anchored.matchesWhole("CHG0000001"))
        for ticket in ["CHG0000001\n", "CHG0000001\r\n", "CHG0000001\u{2028}"] {
            #expect(!anchored.matchesWhole(ticket), "\(ticket.debugDescription)")
        }
    }

    // MARK: Refusals

    struct Refusal: Sendable, CustomTestStringConvertible {
        var pattern: String
        var code: String
        var offset: Int

        var testDescription: String { self.pattern }
    }

    @Test(arguments: [
        Refusal(pattern: "", code: "empty", offset: 0),
        // Backtracking-only features.
        Refusal(pattern: #"(a)\1"#, code: "unsupported", offset: 3),
        Refusal(pattern: #"\k<n>"#, code: "unsupported", offset: 0),
        Refusal(pattern: "CHG(?=1)", code: "unsupported", offset: 3),
        Refusal(pattern: "(?!a)", code: "unsupported", offset: 0),
        Refusal(pattern: "(?<=a)b", code: "unsupported", offset: 0),
        Refusal(pattern: "(?<!a)b", code: "unsupported", offset: 0),
        Refusal(pattern: "(?>a)", code: "unsupported", offset: 0),
        Refusal(pattern: "a*+", code: "unsupported", offset: 1),
        Refusal(pattern: "[A-Z]++", code: "unsupported", offset: 5),
        Refusal(pattern: "a?+", code: "unsupported", offset: 1),
        Refusal(pattern: "a{2,3}+", code: "unsupported", offset: 1),
        // Features ticket references do not need.
        Refusal(pattern: "(?<name>a)", code: "unsupported", offset: 0),
        Refusal(pattern: "(?<name", code: "unsupported", offset: 0),
        Refusal(pattern: "(?P<name>a)", code: "unsupported", offset: 0),
        Refusal(pattern: "(?i)chg", code: "unsupported", offset: 0),
        Refusal(pattern: "a(?i:b)", code: "unsupported", offset: 1),
        Refusal(pattern: "(?#note)", code: "unsupported", offset: 0),
        Refusal(pattern: #"\bCHG"#, code: "unsupported", offset: 0),
        Refusal(pattern: #"a\B"#, code: "unsupported", offset: 1),
        Refusal(pattern: #"\p{L}"#, code: "unsupported", offset: 0),
        Refusal(pattern: #"x\P{Nd}"#, code: "unsupported", offset: 1),
        Refusal(pattern: #"\Q.\E"#, code: "unsupported", offset: 0),
        Refusal(pattern: #"\x41"#, code: "unsupported", offset: 0),
        Refusal(pattern: #"\u0041"#, code: "unsupported", offset: 0),
        Refusal(pattern: #"a\t"#, code: "unsupported", offset: 1),
        Refusal(pattern: #"\q"#, code: "unsupported", offset: 0),
        Refusal(pattern: "[]a]", code: "unsupported", offset: 1),
        Refusal(pattern: "[^]a]", code: "unsupported", offset: 2),
        Refusal(pattern: "[a[b]]", code: "unsupported", offset: 2),
        Refusal(pattern: "[[:alpha:]]", code: "unsupported", offset: 1),
        Refusal(pattern: "[a&&b]", code: "unsupported", offset: 2),
        Refusal(pattern: "[a--b]", code: "unsupported", offset: 2),
        Refusal(pattern: "[--b]", code: "unsupported", offset: 1),
        Refusal(pattern: #"[\A]"#, code: "unsupported", offset: 1),
        // Not a regular expression at all.
        Refusal(pattern: "(CHG", code: "malformed", offset: 0),
        Refusal(pattern: "a(b(c)", code: "malformed", offset: 1),
        Refusal(pattern: "CHG)", code: "malformed", offset: 3),
        Refusal(pattern: "a)|(b", code: "malformed", offset: 1),
        Refusal(pattern: "[A-Z", code: "malformed", offset: 0),
        Refusal(pattern: "*CHG", code: "malformed", offset: 0),
        Refusal(pattern: "a|+b", code: "malformed", offset: 2),
        Refusal(pattern: "(?:*a)", code: "malformed", offset: 3),
        Refusal(pattern: "{2}", code: "malformed", offset: 0),
        Refusal(pattern: "a**", code: "malformed", offset: 2),
        Refusal(pattern: "a*?+", code: "malformed", offset: 3),
        Refusal(pattern: "a{2}{3}", code: "malformed", offset: 4),
        Refusal(pattern: "a{", code: "malformed", offset: 1),
        Refusal(pattern: "a{2", code: "malformed", offset: 1),
        Refusal(pattern: "a{,2}", code: "malformed", offset: 1),
        Refusal(pattern: "a{x}", code: "malformed", offset: 1),
        Refusal(pattern: "a{ 2}", code: "malformed", offset: 1),
        Refusal(pattern: "a{5,2}", code: "malformed", offset: 1),
        Refusal(pattern: "a}", code: "malformed", offset: 1),
        Refusal(pattern: "x[z-a]", code: "malformed", offset: 2),
        Refusal(pattern: #"[a-\d]"#, code: "malformed", offset: 1),
        Refusal(pattern: #"a\"#, code: "malformed", offset: 1),
        // Over the limits.
        Refusal(pattern: "a{1001}", code: "too_large", offset: 1),
        Refusal(pattern: "a{2,1001}", code: "too_large", offset: 1),
        Refusal(pattern: "a{1001,}", code: "too_large", offset: 1),
        Refusal(pattern: "a{99999999999999999999999}", code: "too_large", offset: 1),
        Refusal(pattern: "x(a{100}){100}", code: "too_large", offset: 1),
        Refusal(pattern: "(a{1000}){1000}", code: "too_large", offset: 0),
        Refusal(pattern: String(repeating: "(", count: 33) + String(repeating: ")", count: 33), code: "too_large", offset: 32),
    ])
    func unsupportedOrMalformedPatternIsRefused(_ refusal: Refusal) {
        let error = #expect(throws: TicketPatternError.self) { try TicketPattern(refusal.pattern) }
        #expect(error?.code == refusal.code)
        #expect(error?.offset == refusal.offset, "\(error?.description ?? "")")
    }

    @Test func refusalNamesTheConstructAndOffset() {
        let error = #expect(throws: TicketPatternError.self) { try TicketPattern("CHG(?=1)[0-9]+") }
        #expect(error?.description == "TicketPatternError.unsupported at offset 3: lookahead (?= is not supported")
        let possessive = #expect(throws: TicketPatternError.self) { try TicketPattern("[A-Z]++") }
        #expect(possessive?.message == "the possessive quantifier ++ is not supported")
    }

    // MARK: Limits

    @Test func countedRepetitionIsBounded() throws {
        let thousand = try TicketPattern("[0-9]{1000}")
        #expect(thousand.matchesWhole(String(repeating: "7", count: 1000)))
        #expect(!thousand.matchesWhole(String(repeating: "7", count: 999)))
        #expect(try TicketPattern("a{0,1000}").matchesWhole(String(repeating: "a", count: 1000)))
        // 99 × 100 copies of `a` plus the final instruction fit in 10,000; 100 × 100 do not.
        #expect(try TicketPattern("(a{100}){99}").program.instructions.count == 9901)
        #expect(throws: TicketPatternError.self) { try TicketPattern("(a{100}){100}") }
        #expect(try TicketPattern(String(repeating: "(", count: 32) + "a" + String(repeating: ")", count: 32)).matchesWhole("a"))
    }

    /// A pattern that expands far past the limit is refused after bounded work, not expanded first.
    @Test func oversizedExpansionIsRefusedQuickly() {
        let elapsed = ContinuousClock().measure {
            #expect(throws: TicketPatternError.self) { try TicketPattern("((((a{1000}){1000}){1000}){1000}){1000}") }
        }
        #expect(elapsed < .milliseconds(200))
    }

    // MARK: Linear time

    /// The pattern that costs ICU most of a second: a ticket of capital letters that fails at its last scalar.
    @Test(arguments: [16, 32, 64, 128])
    func nestedQuantifierTakesLinearSteps(_ length: Int) throws {
        let pattern = try TicketPattern("([A-Z]+)+[0-9]")
        let ticket = Array((String(repeating: "A", count: length - 1) + "!").unicodeScalars)
        let outcome = pattern.program.run(on: ticket)
        #expect(!outcome.isMatch)
        #expect(outcome.steps <= 2 * pattern.program.instructions.count * (ticket.count + 1))
        let matching = Array((String(repeating: "A", count: length - 1) + "7").unicodeScalars)
        #expect(pattern.program.run(on: matching).isMatch)
    }

    /// Each extra letter of the hostile ticket costs the same number of steps, where ICU's cost doubles.
    @Test func stepsGrowLinearlyWithTheTicket() throws {
        let pattern = try TicketPattern("([A-Z]+)+[0-9]")
        let steps = (8...128).map { length in
            pattern.program.run(on: Array((String(repeating: "A", count: length - 1) + "!").unicodeScalars)).steps
        }
        let increments = Set(zip(steps.dropFirst(), steps).map { $0 - $1 })
        #expect(increments.count == 1, "\(increments)")
    }

    @Test func hostileTicketIsQuick() throws {
        let pattern = try TicketPattern("([A-Z]+)+[0-9]")
        let ticket = String(repeating: "A", count: 127) + "!"
        let elapsed = ContinuousClock().measure {
            for _ in 0..<100 { #expect(!pattern.matchesWhole(ticket)) }
        }
        #expect(elapsed / 100 < .milliseconds(50))
    }

    /// The worst work any accepted pattern can do: a program near the instruction limit, every instruction
    /// alive at every scalar of a 128-byte ticket. Counted in steps: its time (about 25 ms in a release build,
    /// far more in a debug build on a busy machine) is no stable thing to assert.
    @Test func largestProgramStaysWithinItsBound() throws {
        let pattern = try TicketPattern("(?:(?:[A-Z]?){1000}){4}[0-9]")
        let ticket = Array((String(repeating: "A", count: 127) + "!").unicodeScalars)
        let outcome = pattern.program.run(on: ticket)
        #expect(!outcome.isMatch)
        #expect(outcome.steps <= 2 * pattern.program.instructions.count * (ticket.count + 1))
        #expect(outcome.steps > pattern.program.instructions.count * ticket.count)  // nearly every thread alive
    }

    // MARK: Agreement with ICU

    /// Realistic patterns, including every one in this repository's configurations, examples and tests, each
    /// with a ticket it matches.
    static let realisticPatterns = [
        ("CHG[0-9]{7}", "CHG0031337"), ("(CHG|INC)[0-9]{7}", "INC0031337"), ("SEC-[0-9]+", "SEC-42"),
        ("[A-Z]+-[0-9]+", "OPS-1234"), ("[A-Z]{2,5}[0-9]{3,10}", "AB1234"), ("[A-Z0-9]+", "A9Z"), ("CHG|CHG1", "CHG1"),
        ("^CHG[0-9]{7}$", "CHG0031337"), ("a|b", "a"), (#"^(CHG|INC)\d{7}$"#, "CHG0031337"),
        (#"(?:CHG|INC|PRB|RITM)\d{7}"#, "RITM0031337"), (#"[A-Z][A-Z0-9_]+-\d+"#, "OPS_2-7"),
        ("[A-Z]{2,10}-[1-9][0-9]{0,5}", "JIRA-10"), ("CHG[0-9]{7}(-[0-9]{2})?", "CHG0031337-01"),
        ("(?:[A-Z]+-)?[0-9]+", "OPS-12"), (#"\w+"#, "a_1"), ("[^ ]+", "é-1"), (".+", "a b"), (#"[^\d\s]+"#, "abc"),
        (#"CHG\s?[0-9]{7}"#, "CHG 0031337"), (#"OPS-\d{1,6}|SEC-\d{1,6}"#, "SEC-123"), ("[A-Z]+?-[0-9]*?", "AB-"),
        ("([A-Z]+)+[0-9]", "ABC7"), (#"(\w+\s?)+"#, "ab cd"), (#"\A[A-Z]{3}\d{7}\z"#, "INC0031337"),
        (#"[\w.-]+#[0-9]+"#, "a.b-c#12"), ("(ab|a)*c?", "abac"), ("[a-c-e]+", "a-e"), ("CHG$\n|INC", "CHG\n"),
        (#"[^\W_]+\.[0-9]"#, "ab.1"), ("(a|)+b?", "aab"), (#"x*|[#/\\]+"#, #"#/\"#), (#"\S+\s\S+"#, "a b"),
        (#"(?:\.|-|_)[A-Z]"#, "-A"), ("é{2}|٣", "éé"), (#"[^\D]{2}"#, "12"),
    ]

    /// Compares with ICU on a thousand inputs per pattern: the example with up to three random edits (near misses
    /// and other matches), and random strings over the same small alphabet.
    @Test(arguments: Self.realisticPatterns)
    func agreesWithICU(_ source: String, example: String) throws {
        let pattern = try TicketPattern(source)
        let icu = try NSRegularExpression(pattern: #"\A(?:"# + Self.withASCIIClasses(source) + #")\z"#)
        let alphabet = Self.alphabet + Array(source.unicodeScalars)
        var random = SplitMix64(seed: source.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) })
        var matches = 0
        for index in 0..<1000 {
            var scalars = index.isMultiple(of: 2) ? Array(example.unicodeScalars) : []
            for _ in 0..<Int.random(in: 0...(scalars.isEmpty ? 8 : 3), using: &random) {
                let scalar = alphabet.randomElement(using: &random)!
                switch (Int.random(in: 0..<3, using: &random), scalars.indices.randomElement(using: &random)) {
                case (0, let position?): scalars.remove(at: position)
                case (1, let position?): scalars[position] = scalar
                default: scalars.insert(scalar, at: Int.random(in: 0...scalars.count, using: &random))
                }
            }
            let text = String(String.UnicodeScalarView(scalars))
            let whole = NSRange(text.startIndex..., in: text)
            let expected = icu.firstMatch(in: text, options: [.anchored], range: whole)?.range == whole
            #expect(pattern.matchesWhole(text) == expected, "\(source) on \(text.debugDescription): ICU says \(expected)")
            if expected { matches += 1 }
        }
        #expect(matches >= 50, "only \(matches) generated inputs match \(source)")
    }

    /// Scalars of ticket references and those where engines tend to differ: non-ASCII digits and letters, line
    /// terminators, metacharacters.
    private static let alphabet: [Unicode.Scalar] = [
        "A", "C", "G", "Z", "a", "b", "c", "e", "x", "0", "1", "7", "9", "-", "_", ".", "#", "/", "\\", " ", "é", "٣",
        "\u{A0}", "\u{2028}", "\u{85}", "\n", "\r",
    ]

    /// `source` with `\d`, `\w`, `\s` and their negations spelled as the ASCII classes this matcher uses, so
    /// ICU (whose classes are Unicode) can be the oracle; inside a class they become ICU nested sets.
    private static func withASCIIClasses(_ source: String) -> String {
        let spelled: [Unicode.Scalar: String] = [
            "d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]", "s": #"[\t-\r ]"#, "S": #"[^\t-\r ]"#,
        ]
        var result = ""
        var isEscaped = false
        for scalar in source.unicodeScalars {
            if isEscaped {
                result += spelled[scalar] ?? "\\\(scalar)"
                isEscaped = false
            } else if scalar == "\\" {
                isEscaped = true
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    // MARK: Backtracking warning

    @Test(arguments: [
        "(a+)+", "([A-Z]+)*", #"(\w+\s?)+"#, "([A-Z]+)+[0-9]", "(a|a)+", #"(\d|[0-9])+"#, "(x(a|ab))*", "(a*){2,}",
        "((a+)b)+", "(a|b?|c?)+", "(?:CHG|C[A-Z]*)+",
    ])
    func backtrackingRiskIsWarned(_ source: String) throws {
        #expect(try TicketPattern(source).backtrackingWarning != nil)
    }

    @Test(arguments: [
        "CHG[0-9]{7}", "(CHG|INC)[0-9]{7}", "[A-Z]+-[0-9]+", "[A-Z]{2,5}[0-9]{3,10}", "SEC-[0-9]+", "(a+)?",
        "(CHG|INC)+", "([A-Z]|[0-9])+", "(a{2})+", "[A-Z0-9]+",
    ])
    func safePatternIsNotWarned(_ source: String) throws {
        #expect(try TicketPattern(source).backtrackingWarning == nil)
    }

    @Test func warningQuotesTheRiskySubexpressions() throws {
        let nested = try TicketPattern("CHG([A-Z]+)+[0-9]").backtrackingWarning
        #expect(nested?.hasPrefix("`([A-Z]+)+` at offset 3 repeats a group that contains the unbounded `[A-Z]+` at offset 4,") == true)
        let overlapping = try TicketPattern(#"(\d|[0-9])+"#).backtrackingWarning
        let overlappingStart = #"`(\d|[0-9])+` at offset 0 repeats an alternation whose branches can start with the same text,"#
        #expect(overlapping?.hasPrefix(overlappingStart) == true)
    }
}

/// The policy surface of the ticket pattern: refusals carry the compiler's message, warnings reach `check-config`.
@Suite struct CallerPolicyTicketPatternTests {
    @Test func refusalCarriesTheCompilerMessage() {
        let error = #expect(throws: PolicyConfigurationError.invalidTicketPattern) {
            try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], ticketPattern: "CHG(?=1)")
        }
        #expect(error?.message == "lookahead (?= is not supported at offset 3")
        #expect(error?.description.hasSuffix("the ticket pattern is not a supported regular expression: lookahead (?= is not supported at offset 3") == true)
    }

    @Test func warningIsExposed() throws {
        let risky = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], ticketPattern: "([A-Z]+)+[0-9]")
        #expect(risky.ticketPatternWarning != nil)
        let safe = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], ticketPattern: "(CHG|INC)[0-9]{7}")
        #expect(safe.ticketPatternWarning == nil)
        let none = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential])
        #expect(none.ticketPatternWarning == nil)
    }

    /// The hostile ticket through the whole policy: refused, and quickly.
    @Test func hostileTicketIsRefusedQuickly() throws {
        let policy = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], ticketPattern: "([A-Z]+)+[0-9]")
        let ticket = String(repeating: "A", count: 127) + "!"
        let elapsed = ContinuousClock().measure {
            #expect(throws: PolicyViolation.ticketPatternMismatch) {
                try policy.evaluate(action: .enable, kind: .credential, id: 1, ticket: ticket, duration: nil)
            }
        }
        #expect(elapsed < .milliseconds(50))
    }
}

/// A small seeded generator (Vigna's SplitMix64), so every run tests the same inputs.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
