import Foundation
import GatewayStore
import Testing

@Suite("Callback events")
struct CallbackEventTests {
    private static let url = "https://hooks.slack.com/actions/T0/B0/capability"
    private let reply = CallbackEvent(id: "msg_1", caller: "slack", body: Data("{}".utf8), destination: .chatReply(url: Self.url))

    @Test("A chat reply's URL appears in no description, debug description or dump")
    func urlIsNeverDescribed() {
        var dumped = ""
        dump(self.reply, to: &dumped)
        for text in [String(describing: self.reply), String(reflecting: self.reply), "\(self.reply.destination)", dumped] {
            #expect(!text.contains("hooks.slack.com"), "\(text)")
        }
        #expect("\(self.reply.destination)" == "chat_reply")
    }

    @Test("A destination reads back from its stored kind and URL; a pair no destination writes is corrupted data")
    func storedForm() throws {
        for destination in [CallbackEvent.Destination.callback, .chatReply(url: Self.url), .chatWebhook, .approvalChannel] {
            #expect(try CallbackEvent.Destination(kind: destination.kind, url: destination.url) == destination)
        }
        for (kind, url) in [("chat_reply", nil), ("callback", Self.url), ("chat_webhook", Self.url), ("approval_channel", Self.url), ("email", nil)] as [(String, String?)] {
            #expect(throws: StoreError.corruptedData) { try CallbackEvent.Destination(kind: kind, url: url) }
        }
        #expect(try CallbackEvent.Destination.stored(kind: nil, url: nil) == nil)
        #expect(try CallbackEvent.Destination.stored(kind: "chat_webhook", url: nil) == .chatWebhook)
        #expect(throws: StoreError.corruptedData) { try CallbackEvent.Destination.stored(kind: nil, url: Self.url) }
    }
}
