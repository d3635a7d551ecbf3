import GatewaySecurity
import GatewayVocabulary
import Testing

/// Every rule of a caller's policy, allowing and denying, in its fixed order.
@Suite struct CallerPolicyTests {
    /// Enable only; credentials 42 and 100–199, any password, no device; change or incident tickets; at most 1 h.
    static let policy = try! CallerPolicy(
        allowedActions: [.enable],
        allowedKinds: [.credential, .password, .device],
        allowedIDs: [.credential: [42...42, 100...199], .device: []],
        ticketPattern: "(CHG|INC)[0-9]{7}",
        maxDuration: .seconds(3600)
    )

    struct Request: Sendable, CustomTestStringConvertible {
        var action: TargetAction = .enable
        var kind: TargetKind = .credential
        var id = 42
        var ticket = "CHG0031337"
        var duration: Duration? = .seconds(900)
        var expected: PolicyViolation? = nil
        var testDescription: String {
            let duration = self.duration.map { "\($0)" } ?? "-"
            let verdict = self.expected?.code.rawValue ?? "allowed"
            return "\(self.action.rawValue) \(self.kind.rawValue) \(self.id) \(self.ticket.debugDescription) \(duration) → \(verdict)"
        }
    }

    static let requests: [Request] = [
        // allowed
        Request(),
        Request(id: 100, ticket: "INC0000001", duration: .seconds(3600)),
        Request(id: 199, duration: .seconds(1)),
        Request(kind: .password, id: 987_654),  // kind absent from allowedIDs: any id
        // action
        Request(action: .disable, expected: .actionNotAllowed),
        // kind
        Request(kind: .sshKey, expected: .kindNotAllowed),
        // id
        Request(id: 41, expected: .targetNotAllowed),
        Request(id: 43, expected: .targetNotAllowed),
        Request(id: 99, expected: .targetNotAllowed),
        Request(id: 200, expected: .targetNotAllowed),
        Request(id: -42, expected: .targetNotAllowed),
        Request(kind: .device, id: 7, expected: .targetNotAllowed),  // an empty list allows no id
        // ticket
        Request(ticket: "", expected: .ticketPatternMismatch),
        Request(ticket: "CHG003133", expected: .ticketPatternMismatch),
        Request(ticket: "CHG00313370", expected: .ticketPatternMismatch),
        Request(ticket: "chg0031337", expected: .ticketPatternMismatch),
        Request(ticket: "PRB0031337", expected: .ticketPatternMismatch),
        Request(ticket: "CHG0031337\n", expected: .ticketPatternMismatch),
        Request(ticket: " CHG0031337", expected: .ticketPatternMismatch),
        Request(ticket: "CHG0031337 INC0000001", expected: .ticketPatternMismatch),
        Request(ticket: "xCHG0031337", expected: .ticketPatternMismatch),
        Request(ticket: "CHG٠٠٣١٣٣٧", expected: .ticketPatternMismatch),  // Arabic-Indic digits are not [0-9]
        // duration
        Request(duration: .seconds(3601), expected: .durationExceedsMaximum),
        Request(duration: .seconds(3600) + .nanoseconds(1), expected: .durationExceedsMaximum),
        Request(duration: .zero, expected: .invalidDuration),
        Request(duration: .seconds(-60), expected: .invalidDuration),
        Request(duration: nil, expected: .durationRequired),  // a maximum makes access time-bound
        // order: the first failing rule wins
        Request(action: .disable, kind: .sshKey, id: 1, ticket: "", duration: .zero, expected: .actionNotAllowed),
        Request(kind: .sshKey, id: 1, ticket: "", duration: .zero, expected: .kindNotAllowed),
        Request(id: 1, ticket: "", duration: .zero, expected: .targetNotAllowed),
        Request(ticket: "", duration: .seconds(7200), expected: .ticketPatternMismatch),
    ]

    @Test(arguments: requests)
    func requestIsJudgedByTheRules(_ request: Request) throws {
        let evaluate = {
            try Self.policy.evaluate(action: request.action, kind: request.kind, id: request.id, ticket: request.ticket, duration: request.duration)
        }
        if let expected = request.expected {
            #expect(throws: expected, performing: evaluate)
        } else {
            try evaluate()
        }
    }

    @Test func emptyAllowListsAllowNothing() throws {
        let policy = try CallerPolicy(allowedActions: [], allowedKinds: [])
        for action in TargetAction.allCases {
            #expect(throws: PolicyViolation.actionNotAllowed) {
                try policy.evaluate(action: action, kind: .credential, id: 1, ticket: "T-1", duration: nil)
            }
        }
        let noKinds = try CallerPolicy(allowedActions: Set(TargetAction.allCases), allowedKinds: [])
        for kind in TargetKind.allCases {
            #expect(throws: PolicyViolation.kindNotAllowed) {
                try noKinds.evaluate(action: .disable, kind: kind, id: 1, ticket: "T-1", duration: nil)
            }
        }
    }

    /// Without a pattern any printable ticket of 1 to 128 bytes is accepted; without a maximum any positive duration.
    @Test(arguments: [
        ("OPS-1234", true), ("free text, with spaces", true), (String(repeating: "t", count: 128), true),
        ("", false), (String(repeating: "t", count: 129), false), ("line\nbreak", false), ("nul\u{0}", false), ("del\u{7F}", false),
        ("ação-1", true), (String(repeating: "é", count: 65), false),  // 130 UTF-8 bytes
    ])
    func ticketWithoutPatternNeedsOnlyTheBasicRule(_ ticket: String, allowed: Bool) throws {
        let policy = try CallerPolicy(allowedActions: [.disable], allowedKinds: [.device])
        let evaluate = { try policy.evaluate(action: .disable, kind: .device, id: 7, ticket: ticket, duration: .seconds(10 * 365 * 86_400)) }
        if allowed {
            try evaluate()
        } else {
            #expect(throws: PolicyViolation.ticketPatternMismatch, performing: evaluate)
        }
    }

    /// Anchoring wraps the whole pattern, so an alternation cannot match a prefix or suffix only.
    @Test(arguments: [
        ("CHG|CHG1", "CHG1", true), ("CHG|CHG1", "CHG", true), ("CHG|CHG1", "CHG12", false),
        ("^CHG[0-9]{7}$", "CHG0031337", true), ("^CHG[0-9]{7}$", "CHG0031337\n", false),
        ("[A-Z]+-[0-9]+", "OPS-12", true), ("[A-Z]+-[0-9]+", "OPS-12 and more", false), ("a|b", "ab", false),
    ])
    func patternMustMatchTheWholeTicket(_ pattern: String, ticket: String, allowed: Bool) throws {
        let policy = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], ticketPattern: pattern)
        #expect(policy.ticketPattern == pattern)
        let evaluate = { try policy.evaluate(action: .enable, kind: .credential, id: 1, ticket: ticket, duration: nil) }
        if allowed {
            try evaluate()
        } else {
            #expect(throws: PolicyViolation.ticketPatternMismatch, performing: evaluate)
        }
    }

    /// A long ticket is refused by length before the pattern runs.
    @Test func oversizedTicketIsRefusedBeforeMatching() throws {
        let policy = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], ticketPattern: "[A-Z0-9]+")
        try policy.evaluate(action: .enable, kind: .credential, id: 1, ticket: String(repeating: "A", count: 128), duration: nil)
        #expect(throws: PolicyViolation.ticketPatternMismatch) {
            try policy.evaluate(action: .enable, kind: .credential, id: 1, ticket: String(repeating: "A", count: 100_000), duration: nil)
        }
    }

    @Test(arguments: ["(", "[A-Z", "a)|(b", "CHG)", "*CHG", "(?<name"])
    func invalidPatternIsAConfigurationError(_ pattern: String) {
        #expect(throws: PolicyConfigurationError.invalidTicketPattern) {
            try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], ticketPattern: pattern)
        }
    }

    @Test func zeroMaximumRefusesEveryDuration() throws {
        let policy = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], maxDuration: .zero)
        try policy.evaluate(action: .enable, kind: .credential, id: 1, ticket: "T-1", duration: nil)
        #expect(throws: PolicyViolation.durationExceedsMaximum) {
            try policy.evaluate(action: .enable, kind: .credential, id: 1, ticket: "T-1", duration: .seconds(1))
        }
    }

    @Test func permanentEnablesNeedAnExplicitAllowance() throws {
        let timeBound = try CallerPolicy(allowedActions: [.enable, .disable], allowedKinds: [.credential], maxDuration: .seconds(3600))
        #expect(throws: PolicyViolation.durationRequired) {
            try timeBound.evaluate(action: .enable, kind: .credential, id: 1, ticket: "T-1", duration: nil)
        }
        // Ending access needs no end time.
        try timeBound.evaluate(action: .disable, kind: .credential, id: 1, ticket: "T-1", duration: nil)
        let permanentAllowed = try CallerPolicy(
            allowedActions: [.enable], allowedKinds: [.credential], maxDuration: .seconds(3600), allowsPermanentEnable: true
        )
        try permanentAllowed.evaluate(action: .enable, kind: .credential, id: 1, ticket: "T-1", duration: nil)
        #expect(throws: PolicyViolation.durationExceedsMaximum) {
            try permanentAllowed.evaluate(action: .enable, kind: .credential, id: 1, ticket: "T-1", duration: .seconds(3601))
        }
        // Without a maximum nothing is time-bound.
        let unbounded = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential])
        try unbounded.evaluate(action: .enable, kind: .credential, id: 1, ticket: "T-1", duration: nil)
    }

    @Test func violationCodesAreStable() {
        let violations: [PolicyViolation] = [
            .actionNotAllowed, .kindNotAllowed, .targetNotAllowed, .ticketPatternMismatch, .invalidDuration, .durationExceedsMaximum,
            .durationRequired,
        ]
        #expect(violations.map(\.code.rawValue) == [
            "action_not_allowed", "kind_not_allowed", "target_not_allowed", "ticket_pattern_mismatch", "invalid_duration",
            "duration_exceeds_maximum", "duration_required",
        ])
        #expect(violations.map(\.code.httpStatus) == [403, 403, 403, 403, 422, 403, 403])
    }

    /// The message names the rule and the caller's own request, never the policy's allowed values.
    @Test(arguments: requests.filter { $0.expected != nil })
    func violationMessageDoesNotRevealThePolicy(_ request: Request) {
        do {
            try Self.policy.evaluate(action: request.action, kind: request.kind, id: request.id, ticket: request.ticket, duration: request.duration)
        } catch {
            #expect(!error.message.isEmpty)
            for secret in ["CHG|INC", "[0-9]{7}", "100", "199", "3600", "1:00:00"] {
                #expect(!error.message.contains(secret), "\(error.message)")
            }
            #expect(error.description == "PolicyViolation.\(error.code.rawValue): \(error.message)")
        }
    }
}
