import Foundation
import GatewayVocabulary

/// Microsoft Teams outgoing webhooks: a JSON Bot Framework Activity, signed with `teams-hmac` over the raw body,
/// answered within about 5 s with a message activity.
///
/// The person is `from.aadObjectId` (the Azure AD object id, stable across teams and tenants' renames); the
/// Activity `id` is the delivery id. Teams puts the webhook's own `<at>…</at>` mention in `text` and may send
/// HTML entities, which are removed before the command is read. An outgoing webhook cannot post later, so
/// results that take longer than the answer allows go to the caller's incoming webhook (a Workflows "When a
/// Teams webhook request is received" URL), which takes Adaptive Cards only. Answers use the same card, whose
/// `{{DATE()}}` and `{{TIME()}}` functions show times in the reader's own time zone.
struct TeamsPlatform: ChatPlatform {
    func read(body: [UInt8], contentType: String) throws(ChatInputError) -> ChatInbound {
        try ChatPlatforms.expect(mediaType: "application/json", in: contentType, sender: "Teams")
        let activity = try ChatPlatforms.decode(
            Activity.self, from: body, snakeCase: false, otherwise: "the body is not a Teams message activity with id, from.aadObjectId and text"
        )
        guard activity.type == "message" else { throw ChatInputError("the activity type '\(excerpt(activity.type))' is not message") }
        return ChatInbound(
            userID: try ChatPlatforms.identifier(activity.from.aadObjectId, field: "from.aadObjectId").lowercased(),
            gesture: .command(Self.commandText(activity.text ?? "")),
            deliveryID: try ChatPlatforms.identifier(activity.id, field: "id"),
            replyURL: nil
        )
    }

    /// The words the person typed: mentions (`<at>Segura</at>`) and other markup removed, entities decoded,
    /// runs of white space made one space.
    static func commandText(_ html: String) -> String {
        var text = html
        while let open = text.range(of: "<at>", options: .caseInsensitive) {
            let close = text.range(of: "</at>", options: .caseInsensitive, range: open.upperBound..<text.endIndex)
            text.removeSubrange(open.lowerBound..<(close?.upperBound ?? text.endIndex))
        }
        while let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
            text.replaceSubrange(open...close, with: " ")
        }
        text = Self.decodeEntities(text)
        return text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// The HTML entities Teams uses in message text: the five named ones, `&nbsp;`, and numeric references.
    static func decodeEntities(_ text: String) -> String {
        let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " "]
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            let afterAmpersand = rest.index(after: ampersand)
            guard let semicolon = rest[afterAmpersand...].prefix(10).firstIndex(of: ";") else {
                result += "&"
                rest = rest[afterAmpersand...]
                continue
            }
            let name = rest[afterAmpersand..<semicolon]
            if let character = named[String(name)] {
                result += character
            } else if name.hasPrefix("#"), let scalar = Self.numericReference(name.dropFirst()) {
                result.unicodeScalars.append(scalar)
            } else {
                result += rest[ampersand...semicolon]
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }

    private static func numericReference(_ digits: Substring) -> Unicode.Scalar? {
        let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
        return value.flatMap(Unicode.Scalar.init)
    }

    func answer(_ message: ChatMessage) -> [UInt8] {
        ChatPlatforms.encode(Self.cardMessage(message), snakeCase: false)
    }

    func followUp(_ message: ChatMessage) -> [UInt8] {
        ChatPlatforms.encode(Self.cardMessage(message), snakeCase: false)
    }

    /// Teams receives no clicks, so nothing is replaced: the message is posted like a follow-up.
    func update(_ message: ChatMessage) -> [UInt8] {
        self.followUp(message)
    }

    /// A message activity carrying one Adaptive Card (version 1.4, which Teams and Workflows render).
    static func cardMessage(_ message: ChatMessage) -> CardMessage {
        var body = [CardElement.text("\(message.tone.symbol) \(message.headline)", bold: true)]
        if !message.facts.isEmpty {
            body.append(.facts(message.facts.map { CardElement.Fact(title: $0.label, value: Self.cardText($0.value)) }))
        }
        if let detail = message.detail { body.append(.text(detail, bold: false)) }
        if !message.list.isEmpty { body.append(.text(message.list.map { "- " + $0.map(Self.cardText).joined(separator: " ") }.joined(separator: "\n"), bold: false)) }
        if let grant = message.revocableGrant {
            body.append(.text("To end this access now: `revoke \(grant)`", bold: false))
        }
        if let buttons = message.decisionButtons {
            // A Workflows card's buttons could not reach the gateway: approvers type their decision instead.
            body.append(.text("To decide, mention Segura with `approve \(buttons.approvalID)` or `deny \(buttons.approvalID)`", bold: false))
        }
        return CardMessage(attachments: [.init(content: .init(body: body))])
    }

    /// A fact's value on a card; a time through the card's date functions, which render it in the reader's
    /// time zone and locale.
    static func cardText(_ value: ChatMessage.Fact.Value) -> String {
        switch value {
        case .text(let text): text
        case .code(let text): "`\(text)`"
        case .time(let date):
            "{{DATE(\(Self.rfc3339(date)), SHORT)}} {{TIME(\(Self.rfc3339(date)))}}"
        }
    }

    /// `2026-12-06T14:30:00Z`, the form the card's date functions take.
    private static func rfc3339(_ date: Date) -> String {
        var formatter = Date.ISO8601FormatStyle()
        formatter.timeZone = TimeZone(identifier: "UTC")!
        return Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).formatted(formatter)
    }

    // MARK: Wire types

    /// The members of a message Activity the gateway reads; Teams sends many more.
    private struct Activity: Decodable {
        struct From: Decodable {
            var aadObjectId: String?
        }

        var type: String
        var id: String?
        var from: From
        var text: String?
    }

    /// `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",…}]}`.
    struct CardMessage: Encodable {
        struct Attachment: Encodable {
            var contentType = "application/vnd.microsoft.card.adaptive"
            var content: Card
        }

        var type = "message"
        var attachments: [Attachment]
    }

    struct Card: Encodable {
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case type, version, body
        }

        var schema = "http://adaptivecards.io/schemas/adaptive-card.json"
        var type = "AdaptiveCard"
        var version = "1.4"
        var body: [CardElement]
    }

    /// The card elements the gateway uses: a `TextBlock` or a `FactSet`.
    struct CardElement: Encodable {
        struct Fact: Encodable {
            var title: String
            var value: String
        }

        var type: String
        var text: String?
        var weight: String?
        var wrap: Bool?
        var facts: [Fact]?

        static func text(_ text: String, bold: Bool) -> Self {
            Self(type: "TextBlock", text: text, weight: bold ? "Bolder" : nil, wrap: true)
        }

        static func facts(_ facts: [Fact]) -> Self {
            Self(type: "FactSet", facts: facts)
        }
    }
}
