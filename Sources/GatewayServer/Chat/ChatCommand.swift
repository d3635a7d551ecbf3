import GatewayStore
import GatewayVocabulary

/// What a person asked for in chat: the action grammar of ``ActionCommandParser``, and the commands people
/// need around it.
///
/// ```text
/// help
/// grants                      the person's open grants, with their expiries
/// revoke <grant id>           end one of them now (grt_…)
/// status <request id>         the answer to an earlier request (req_…)
/// enable credential 42 for ticket CHG0012345 for 2h
/// disable credential 42 for ticket CHG0012345
/// ```
///
/// Keywords are case-insensitive. As with the action grammar, each error names the word that is wrong.
enum ChatCommand: Sendable, Hashable {
    case help
    case grants
    case revoke(grantID: String)
    case status(requestID: String)
    case decide(approvalID: String, verdict: ApprovalVerdict)
    case action(ActionRequest)

    /// The command words, for `help` and for errors.
    static let verbs = "help, grants, revoke, status, approve, deny, enable or disable"

    /// Parses `text`; an action is requested by `person`, whoever the text names.
    static func parse(_ text: String, person: String) throws(RequestValidationError) -> ChatCommand {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard let verb = words.first else {
            throw RequestValidationError(code: .invalidCommand, message: "the command is empty (a mention alone is not one): type 'help' to see what you can ask")
        }
        switch verb.lowercased() {
        case "help":
            try Self.expectNothing(after: words, usage: "help")
            return .help
        case "grants":
            try Self.expectNothing(after: words, usage: "grants")
            return .grants
        case "revoke":
            return .revoke(grantID: try Self.identifier(words, prefix: "grt_", usage: "revoke <grant id>, such as revoke grt_0192…"))
        case "status":
            return .status(requestID: try Self.identifier(words, prefix: "req_", usage: "status <request id>, such as status req_0192…"))
        case "approve", "deny":
            let verdict: ApprovalVerdict = verb.lowercased() == "approve" ? .approve : .deny
            let usage = "\(verdict.word) <approval id>, such as \(verdict.word) apr_0192…"
            return .decide(approvalID: try Self.identifier(words, prefix: "apr_", usage: usage), verdict: verdict)
        case "enable", "disable":
            // The words as split here (a command typed over several lines is one command).
            return .action(try ActionCommandParser.parse(words.joined(separator: " "), requestedBy: person, reason: nil))
        default:
            throw RequestValidationError(code: .invalidCommand, message: "unknown command '\(excerpt(String(verb)))': expected \(Self.verbs)")
        }
    }

    private static func expectNothing(after words: [Substring], usage: String) throws(RequestValidationError) {
        guard words.count > 1 else { return }
        throw RequestValidationError(code: .invalidCommand, message: "unexpected '\(excerpt(String(words[1])))' after '\(usage)'")
    }

    /// The one id after the verb: the prefix and 32 lowercase hex digits, as the gateway makes them.
    private static func identifier(_ words: [Substring], prefix: String, usage: String) throws(RequestValidationError) -> String {
        guard words.count > 1 else { throw RequestValidationError(code: .invalidCommand, message: "expected \(usage)") }
        let word = String(words[1])
        guard Self.isIdentifier(word, prefix: prefix) else {
            throw RequestValidationError(code: .invalidCommand, message: "'\(excerpt(word))' is not an id: expected \(usage)")
        }
        try Self.expectNothing(after: Array(words.dropFirst()), usage: "\(words[0]) \(prefix)…")
        return word
    }

    /// Whether `word` is an id the gateway makes: `prefix` and 32 lowercase hex digits.
    static func isIdentifier(_ word: String, prefix: String) -> Bool {
        let digits = word.dropFirst(prefix.count)
        return word.hasPrefix(prefix) && digits.count == 32 && digits.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}

extension ApprovalVerdict {
    /// The verdict as chat writes it: the command, the decision in a button's context, the metric's command.
    var word: String {
        switch self {
        case .approve: "approve"
        case .deny: "deny"
        }
    }

    /// The verdict `word` names, if any.
    init?(word: String) {
        switch word {
        case "approve": self = .approve
        case "deny": self = .deny
        default: return nil
        }
    }
}
