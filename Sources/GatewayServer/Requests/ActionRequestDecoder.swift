import Foundation
import GatewayVocabulary
import JSONReading

/// Turns the raw JSON body into an ``ActionRequest``, with an exact error for each way it can be wrong.
///
/// The generated OpenAPI types check shapes but not every constraint (lengths, patterns, ranges, unknown
/// fields), and a failed `oneOf` decode says little. This decoder applies every constraint in
/// `openapi.yaml` and names the offending field, so senders can fix their payloads from the answer. It reads
/// the body once, with ``JSONReader``, into the members of the two objects a request has (the body and
/// `target`), and checks those.
enum ActionRequestDecoder {
    static func decode(_ body: [UInt8]) throws(RequestValidationError) -> ActionRequest {
        if let key = DuplicateKeyCheck.firstDuplicateKey(in: body) {
            throw RequestValidationError(code: .invalidJSON, message: "the key '\(excerpt(key))' appears more than once in one object")
        }
        let members: Members
        do {
            var reader = JSONReader(body)
            guard try reader.peek() == .object else {
                try reader.skipValue()
                try reader.finish()
                throw RequestValidationError.invalidRequest("the body must be a JSON object")
            }
            members = try Members(reading: &reader, path: "", nested: ["target"])
            try reader.finish()
        } catch let error as RequestValidationError {
            throw error
        } catch {
            throw RequestValidationError(code: .invalidJSON, message: "the body is not valid JSON")
        }
        return try Self.request(from: members)
    }

    /// Either request form, decided by the presence of `command`.
    private static func request(from body: Members) throws(RequestValidationError) -> ActionRequest {
        let isCommand = body.contains("command")
        let allowed = isCommand ? ["command", "requested_by", "reason"] : ["action", "target", "ticket", "requested_by", "reason", "duration"]
        if let unknown = body.names.first(where: { !allowed.contains($0) }) {
            throw .invalidRequest("unknown field '\(excerpt(unknown))'" + (isCommand ? " beside 'command'" : ""))
        }
        let requestedBy = try body.text("requested_by", maxLength: RequestLimits.requestedByLength, required: !isCommand)
        let reason = try body.text("reason", maxLength: RequestLimits.reasonLength, required: false, allowEmpty: true)
        if isCommand {
            let command = try body.requiredText("command", maxLength: 512)
            return try ActionCommandParser.parse(command, requestedBy: requestedBy, reason: reason)
        }
        guard let action = TargetAction(rawValue: try body.requiredText("action", maxLength: 16)) else {
            throw .invalidRequest("action must be 'enable' or 'disable'")
        }
        let target = try Self.target(from: body)
        let ticket = try body.requiredText("ticket", maxLength: RequestLimits.ticketLength)
        guard RequestLimits.isValidTicket(ticket) else {
            throw .invalidRequest("ticket must start with a letter or digit and hold only letters, digits and ._:/#-")
        }
        var duration: Duration?
        if let text = try body.text("duration", maxLength: 64, required: false) {
            guard let parsed = ISO8601Duration.parse(text) else {
                throw .invalidDuration("duration '\(excerpt(text))' is not an ISO 8601 duration such as PT2H (days, hours, minutes, seconds; at most a year)")
            }
            duration = parsed
        }
        return ActionRequest(action: action, kind: target.kind, id: target.id, ticket: ticket, requestedBy: requestedBy, reason: reason, duration: duration)
    }

    private static func target(from body: Members) throws(RequestValidationError) -> Target {
        guard let value = body.value("target") else { throw .invalidRequest("target is required") }
        guard case .object(let target) = value else { throw .invalidRequest("target has the wrong type") }
        if let unknown = target.names.first(where: { !["kind", "id"].contains($0) }) {
            throw .invalidRequest("unknown field 'target.\(excerpt(unknown))'")
        }
        guard let kind = TargetKind(rawValue: try target.requiredText("kind", maxLength: 16)) else {
            throw .invalidRequest("target.kind must be one of credential, password, device, ssh_key")
        }
        guard case .number(let number)? = target.value("id"), let id = number.wholeNumber, id >= 1, id <= RequestLimits.maximumID else {
            throw .invalidRequest("target.id must be a whole number from 1 to \(RequestLimits.maximumID)")
        }
        return Target(kind: kind, id: id)
    }
}

/// The members of one object of the body, in order, with the scalar values the decoder checks.
private struct Members {
    enum Value {
        case string(String)
        case number(JSONReader.Number)
        case null
        /// An object named in `nested` when reading, with its own members.
        case object(Members)
        /// Anything else: a boolean, an array, or an object not read member by member.
        case other
    }

    let path: String
    /// The members in order; a request has a handful, so a list searched in order beats hashing the names.
    private var members: [(name: String, value: Value)] = []

    var names: [String] { self.members.map(\.name) }

    /// Reads the object at `reader`, descending into the members named in `nested` when they are objects.
    init(reading reader: inout JSONReader, path: String, nested: Set<String> = []) throws(JSONReader.SyntaxError) {
        self.path = path
        var members: [(name: String, value: Value)] = []
        try reader.readObject { name, reader throws(JSONReader.SyntaxError) in
            let value: Value
            switch try reader.peek() {
            case .string: value = .string(try reader.readString())
            case .number: value = .number(try reader.readNumber())
            case .null:
                try reader.skipValue()
                value = .null
            case .object where nested.contains(name):
                value = .object(try Members(reading: &reader, path: path + name + "."))
            default:
                try reader.skipValue()
                value = .other
            }
            members.append((name, value))
        }
        self.members = members
    }

    func contains(_ name: String) -> Bool { self.value(name) != nil }

    /// The member `name`'s value; duplicate names never get here (``DuplicateKeyCheck`` refuses them first).
    func value(_ name: String) -> Value? { self.members.first { $0.name == name }?.value }

    func requiredText(_ name: String, maxLength: Int) throws(RequestValidationError) -> String {
        guard let text = try self.text(name, maxLength: maxLength, required: true) else { throw .invalidRequest("\(self.path)\(name) is required") }
        return text
    }

    /// A string member with length limits; `nil` when absent and not required.
    func text(_ name: String, maxLength: Int, required: Bool, allowEmpty: Bool = false) throws(RequestValidationError) -> String? {
        let path = self.path + name
        guard let value = self.value(name) else {
            if required { throw .invalidRequest("\(path) is required") }
            return nil
        }
        guard case .string(let text) = value else {
            if case .null = value {
                throw .invalidRequest("\(path) must be a string, not null" + (required ? "" : "; leave it out instead"))
            }
            throw .invalidRequest("\(path) must be a string")
        }
        // Empty also when only spaces and tabs (Foundation's `whitespaces`: Unicode space separators and the tab).
        guard allowEmpty || text.unicodeScalars.contains(where: { $0 != "\t" && $0.properties.generalCategory != .spaceSeparator }) else {
            throw .invalidRequest("\(path) must not be empty")
        }
        // Counted in code points, as `openapi.yaml`'s `maxLength` is (JSON Schema): a `Character` can carry any
        // number of combining marks, so counting characters would let a field far past its limit through.
        guard text.unicodeScalars.count <= maxLength else {
            throw .invalidRequest("\(path) is longer than \(maxLength) characters")
        }
        return text
    }
}
