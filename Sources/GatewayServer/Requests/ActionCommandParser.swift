import GatewayVocabulary
import SeguraClient

/// Parses the text form, `enable credential 42 for ticket CHG0012345 for 2h`.
///
/// Grammar (words separated by spaces, case-insensitive keywords):
/// `(enable|disable) <kind> <id> for ticket <ticket> [for <n>(s|m|h|d)]`, where `<kind>` is `credential`,
/// `password`, `device` or `ssh_key` (also `ssh-key`, `key`). Each error names the word that is wrong.
public enum ActionCommandParser {
    /// Parses `command` into a request; `requestedBy` and `reason` come from the JSON body beside it.
    public static func parse(_ command: String, requestedBy: String?, reason: String?) throws(RequestValidationError) -> ActionRequest {
        let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var cursor = words.makeIterator()

        guard let verb = cursor.next() else { throw .invalidCommand("the command is empty") }
        guard let action = TargetAction(rawValue: verb.lowercased()) else {
            throw .invalidCommand("expected 'enable' or 'disable' first, found '\(excerpt(verb))'")
        }
        guard let kindWord = cursor.next() else { throw .invalidCommand("expected a kind after '\(verb)': credential, password, device or ssh_key") }
        guard let kind = Self.kind(kindWord) else {
            throw .invalidCommand("unknown kind '\(excerpt(kindWord))': expected credential, password, device or ssh_key")
        }
        guard let idWord = cursor.next() else { throw .invalidCommand("expected the \(kind.rawValue) id after '\(kindWord)'") }
        guard let id = Int(idWord), id >= 1, id <= RequestLimits.maximumID else {
            throw .invalidCommand("'\(excerpt(idWord))' is not a valid id: expected a positive whole number")
        }
        guard cursor.next()?.lowercased() == "for", cursor.next()?.lowercased() == "ticket" else {
            throw .invalidCommand("expected 'for ticket <ticket>' after the id")
        }
        guard let ticket = cursor.next() else { throw .invalidCommand("expected a ticket after 'for ticket'") }
        guard RequestLimits.isValidTicket(ticket) else {
            throw .invalidCommand("'\(excerpt(ticket))' is not a valid ticket: letters, digits and ._:/#- only, at most \(RequestLimits.ticketLength) characters")
        }
        var duration: Duration?
        if let keyword = cursor.next() {
            guard keyword.lowercased() == "for", let durationWord = cursor.next() else {
                throw .invalidCommand("unexpected '\(excerpt(keyword))' after the ticket: expected 'for <duration>', such as 'for 2h'")
            }
            guard let parsed = ISO8601Duration.parseShort(durationWord) ?? ISO8601Duration.parse(durationWord) else {
                throw .invalidDuration("'\(excerpt(durationWord))' is not a duration: use a whole number with s, m, h or d, such as 2h")
            }
            duration = parsed
        }
        if let extra = cursor.next() {
            throw .invalidCommand("unexpected '\(excerpt(extra))' at the end of the command")
        }
        return ActionRequest(action: action, kind: kind, id: id, ticket: ticket, requestedBy: requestedBy, reason: reason, duration: duration)
    }

    private static func kind(_ word: String) -> TargetKind? {
        switch word.lowercased() {
        case "credential", "credentials": return .credential
        case "password", "mysafe-password": return .password
        case "device": return .device
        case "ssh_key", "ssh-key", "sshkey", "key": return .sshKey
        default: return nil
        }
    }
}

/// At most 40 Unicode scalars of user input, so errors never echo large or hostile payloads.
///
/// Scalars rather than characters: one `Character` holds any number of combining marks, so 40 characters
/// do not bound the size.
func excerpt(_ text: String) -> String {
    text.unicodeScalars.count > 40 ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(40))) + "…" : text
}
