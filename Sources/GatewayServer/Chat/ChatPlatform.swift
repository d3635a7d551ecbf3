import FormReading
import Foundation
import GatewayVocabulary

/// One chat platform: how its verified bodies are read and how the gateway's messages are written for it.
///
/// A new platform plugs in here: a type conforming to this protocol, a case of ``ChatPlatformKind``, and its
/// entry in ``ChatPlatforms/platform(_:)``. Everything else (people, commands, the pipeline, follow-ups) is
/// shared.
protocol ChatPlatform: Sendable {
    /// Reads a body whose signature verified.
    func read(body: [UInt8], contentType: String) throws(ChatInputError) -> ChatInbound
    /// The JSON body of the HTTP answer that shows `message`.
    func answer(_ message: ChatMessage) -> [UInt8]
    /// The JSON body of a follow-up that shows `message` after the answer (to `response_url`, or to Teams'
    /// incoming webhook).
    func followUp(_ message: ChatMessage) -> [UInt8]
    /// The JSON body that replaces the message a person clicked a button in (Slack's `response_url` with
    /// `replace_original`, Mattermost's click answer), so it shows what the click did and loses buttons that no
    /// longer apply.
    func update(_ message: ChatMessage) -> [UInt8]
}

/// The platforms by kind.
enum ChatPlatforms {
    static func platform(_ kind: ChatPlatformKind) -> any ChatPlatform {
        switch kind {
        case .slack: SlackPlatform()
        case .teams: TeamsPlatform()
        case .mattermost: MattermostPlatform()
        }
    }

    /// Encodes an answer body: keys sorted, so the bytes are stable for tests and stored replies; `snakeCase`
    /// writes Swift's camel-case names as the snake-case keys Slack and Mattermost use.
    static func encode(_ value: some Encodable, snakeCase: Bool) -> [UInt8] {
        // The bodies are built from strings, arrays and booleans only, which always encode.
        (try? (snakeCase ? Self.snakeCaseEncoder : Self.encoder).encode(value)).map(Array.init) ?? Array("{}".utf8)
    }

    /// A decoder for a platform's JSON; `snakeCase` reads snake-case keys into camel-case names.
    static func decoder(snakeCase: Bool) -> JSONDecoder {
        snakeCase ? Self.snakeCaseDecoder : Self.camelCaseDecoder
    }

    // One coder of each kind, configured once and shared: they hold no state between calls.
    private static let encoder = Self.makeEncoder(snakeCase: false)
    private static let snakeCaseEncoder = Self.makeEncoder(snakeCase: true)
    private static let camelCaseDecoder = JSONDecoder()
    private static let snakeCaseDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    private static func makeEncoder(snakeCase: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        return encoder
    }

    /// Decodes a platform's JSON, or refuses it with `message`, which says what the platform documents.
    static func decode<Value: Decodable>(_ type: Value.Type, from json: [UInt8], snakeCase: Bool, otherwise message: String) throws(ChatInputError) -> Value {
        do {
            return try Self.decoder(snakeCase: snakeCase).decode(type, from: Data(json))
        } catch {
            throw ChatInputError(message)
        }
    }

    /// Refuses a body whose `contentType` is not `type` (parameters and case ignored) with 415.
    static func expect(mediaType type: String, in contentType: String, sender: String) throws(ChatInputError) {
        guard contentType.split(separator: ";", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces).lowercased() == type else {
            throw ChatInputError("\(sender) sends \(type), found '\(excerpt(contentType))'", code: .unsupportedMediaType)
        }
    }

    /// The fields of a form body, which `sender` sends as `application/x-www-form-urlencoded`.
    static func form(_ body: [UInt8], contentType: String, sender: String) throws(ChatInputError) -> URLEncodedForm {
        try Self.expect(mediaType: "application/x-www-form-urlencoded", in: contentType, sender: sender)
        do {
            return try URLEncodedForm(parsing: body)
        } catch {
            throw ChatInputError(error.description)
        }
    }

    /// A platform id checked before it is used as a delivery id or a map key: 1 to 255 visible ASCII characters.
    static func identifier(_ value: String?, field: String) throws(ChatInputError) -> String {
        guard let value, !value.isEmpty else { throw ChatInputError("\(field) is missing") }
        guard value.utf8.count <= 255, value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw ChatInputError("\(field) is not 1 to 255 visible ASCII characters")
        }
        return value
    }
}
