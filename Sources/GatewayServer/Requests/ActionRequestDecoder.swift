import Foundation
import GatewayVocabulary
import SeguraClient

/// Turns the raw JSON body into an ``ActionRequest``, with an exact error for each way it can be wrong.
///
/// The generated OpenAPI types check shapes but not every constraint (lengths, patterns, ranges, unknown
/// fields), and a failed `oneOf` decode says little. This decoder applies every constraint in
/// `openapi.yaml` and names the offending field, so senders can fix their payloads from the answer.
enum ActionRequestDecoder {
    /// One decoder for every request: it holds no per-request state.
    private static let decoder = JSONDecoder()

    static func decode(_ body: [UInt8]) throws(RequestValidationError) -> ActionRequest {
        if let key = DuplicateKeyCheck.firstDuplicateKey(in: body) {
            throw RequestValidationError(code: .invalidJSON, message: "the key '\(excerpt(key))' appears more than once in one object")
        }
        do {
            return try Self.decoder.decode(Form.self, from: Data(body)).request
        } catch let error as RequestValidationError {
            throw error
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            // Malformed JSON is reported at the root, before any field is read.
            throw RequestValidationError(code: .invalidJSON, message: "the body is not valid JSON")
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw .invalidRequest("the body must be a JSON object")
        } catch {
            throw .invalidRequest(Self.describe(error))
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "the body does not match the schema" }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(Self.path(context.codingPath)) has the wrong type"
        case .keyNotFound(let key, let context):
            return "\(Self.path(context.codingPath + [key])) is required"
        @unknown default:
            return "the body does not match the schema"
        }
    }

    fileprivate static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty ? "the body" : codingPath.map(\.stringValue).joined(separator: ".")
    }

    /// Either request form, decided by the presence of `command`.
    private struct Form: Decodable {
        let request: ActionRequest

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            let isCommand = container.contains(AnyKey("command"))
            let allowed = isCommand ? ["command", "requested_by", "reason"] : ["action", "target", "ticket", "requested_by", "reason", "duration"]
            if let unknown = container.allKeys.first(where: { !allowed.contains($0.stringValue) }) {
                throw RequestValidationError.invalidRequest("unknown field '\(excerpt(unknown.stringValue))'" + (isCommand ? " beside 'command'" : ""))
            }
            let requestedBy = try container.text("requested_by", maxLength: RequestLimits.requestedByLength, required: !isCommand)
            let reason = try container.text("reason", maxLength: RequestLimits.reasonLength, required: false, allowEmpty: true)
            if isCommand {
                let command = try container.text("command", maxLength: 512, required: true)!
                self.request = try ActionCommandParser.parse(command, requestedBy: requestedBy, reason: reason)
                return
            }
            guard let actionText = try container.text("action", maxLength: 16, required: true), let action = TargetAction(rawValue: actionText) else {
                throw RequestValidationError.invalidRequest("action must be 'enable' or 'disable'")
            }
            let target = try container.decode(Target.self, forKey: AnyKey("target"))
            let ticket = try container.text("ticket", maxLength: RequestLimits.ticketLength, required: true)!
            guard RequestLimits.isValidTicket(ticket) else {
                throw RequestValidationError.invalidRequest("ticket must start with a letter or digit and hold only letters, digits and ._:/#-")
            }
            var duration: Duration?
            if let text = try container.text("duration", maxLength: 64, required: false) {
                guard let parsed = ISO8601Duration.parse(text) else {
                    throw RequestValidationError.invalidDuration("duration '\(excerpt(text))' is not an ISO 8601 duration such as PT2H (days, hours, minutes, seconds; at most a year)")
                }
                duration = parsed
            }
            self.request = ActionRequest(
                action: action, kind: target.kind, id: target.id, ticket: ticket, requestedBy: requestedBy, reason: reason, duration: duration
            )
        }
    }

    private struct Target: Decodable {
        let kind: TargetKind
        let id: Int

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            if let unknown = container.allKeys.first(where: { !["kind", "id"].contains($0.stringValue) }) {
                throw RequestValidationError.invalidRequest("unknown field 'target.\(excerpt(unknown.stringValue))'")
            }
            guard let kindText = try container.text("kind", maxLength: 16, required: true), let kind = TargetKind(rawValue: kindText) else {
                throw RequestValidationError.invalidRequest("target.kind must be one of credential, password, device, ssh_key")
            }
            guard let id = try? container.decode(Int.self, forKey: AnyKey("id")), id >= 1, id <= RequestLimits.maximumID else {
                throw RequestValidationError.invalidRequest("target.id must be a whole number from 1 to \(RequestLimits.maximumID)")
            }
            self.kind = kind
            self.id = id
        }
    }
}

/// A coding key for any field name, so unknown fields can be detected and named.
private struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { self.stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == AnyKey {
    /// A string field with length limits; `nil` when absent and not required.
    fileprivate func text(_ key: String, maxLength: Int, required: Bool, allowEmpty: Bool = false) throws -> String? {
        let codingKey = AnyKey(key)
        let path = ActionRequestDecoder.path(self.codingPath + [codingKey])
        guard self.contains(codingKey) else {
            if required { throw RequestValidationError.invalidRequest("\(path) is required") }
            return nil
        }
        if (try? self.decodeNil(forKey: codingKey)) == true {
            throw RequestValidationError.invalidRequest("\(path) must be a string, not null" + (required ? "" : "; leave it out instead"))
        }
        guard let value = try? self.decode(String.self, forKey: codingKey) else {
            throw RequestValidationError.invalidRequest("\(path) must be a string")
        }
        guard allowEmpty || !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RequestValidationError.invalidRequest("\(path) must not be empty")
        }
        // Counted in code points, as `openapi.yaml`'s `maxLength` is (JSON Schema): a `Character` can carry any
        // number of combining marks, so counting characters would let a field far past its limit through.
        guard value.unicodeScalars.count <= maxLength else {
            throw RequestValidationError.invalidRequest("\(path) is longer than \(maxLength) characters")
        }
        return value
    }
}
