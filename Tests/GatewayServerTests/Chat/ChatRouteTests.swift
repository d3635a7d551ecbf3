import CurlHTTPClient
import Foundation
import GatewayStore
@testable import GatewayServer
import GatewayVocabulary
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SeguraClient
import SeguraSimulator
import Testing
import TestSupport

/// The chat routes over loopback HTTP: platform payloads as documented, signed as the platforms sign, against the
/// simulator, with a fake `response_url` (and Teams incoming webhook) on 127.0.0.1 recording the follow-ups.
@Suite("Chat routes")
struct ChatRouteTests {
    /// Runs `body` with a gateway whose chat callers post follow-ups to a ``CallbackReceiver``.
    func withChatGateway(
        answerWithin: Double = 0.6, seguraDeadline: Duration = .seconds(5), mattermostKey: String? = nil,
        _ body: @Sendable (GatewayUnderTest, String, CallbackReceiver) async throws -> Void
    ) async throws {
        try await withCallbackReceiver { replies, receiver in
            try await withGateway(configureSegura: { $0.retry.deadline = seguraDeadline }, configure: { configuration in
                try ChatTestCaller.configure(&configuration, replies: replies, answerWithin: answerWithin, mattermostKey: mattermostKey)
            }) { gateway in
                try await body(gateway, replies, receiver)
            }
        }
    }

    @Test("a Slack enable is answered in the channel, with the grant's expiry, and audited with the person and platform")
    func slackEnable() async throws {
        try await withChatGateway { gateway, replies, _ in
            let response = try await gateway.type("enable credential 42 for ticket CHG0012345 for 2h", on: .slack, replies: replies)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let text = response.text
            #expect(text.contains(#""response_type":"in_channel""#), "\(text)")
            #expect(text.contains("Enabled credential 42"))
            #expect(text.contains("<!date^"))
            #expect(text.contains(#""action_id":"segura.revoke_grant""#))
            #expect(gateway.simulator.stats.apiCalls == 1)

            let records = try await gateway.auditRecords()
            let applied = try #require(records.first { $0.event.decision == .applied })
            #expect(applied.event.requestedBy == "alice")
            #expect(applied.event.platform == "slack")
            #expect(applied.event.caller == ChatTestCaller.slack.rawValue)
        }
    }

    @Test("people the caller does not map, and people outside their own policy, are told why, audited, and nothing reaches Segura")
    func refusals() async throws {
        try await withChatGateway { gateway, replies, _ in
            for caller in ChatTestCaller.allCases {
                let stranger = try await gateway.type("enable credential 42 for ticket CHG0012345 for 1h", on: caller, as: "stranger", replies: replies)
                #expect(stranger.status == .ok)
                #expect(stranger.text.contains("chat_user_unknown"), "\(caller): \(stranger.text)")
                #expect(stranger.text.contains("not mapped to a person"))

                let bob = try await gateway.type("enable credential 42 for ticket CHG0012345 for 1h", on: caller, as: "bob", replies: replies)
                #expect(bob.text.contains("person_not_allowed"), "\(caller): \(bob.text)")
                #expect(bob.text.contains("bob may not act on credential 42"))

                let long = try await gateway.type("enable credential 41 for ticket CHG0012345 for 3h", on: caller, as: "bob", replies: replies)
                #expect(long.text.contains("person_not_allowed"), "\(caller): \(long.text)")

                let typo = try await gateway.type("enable credentail 42 for ticket CHG0012345", on: caller, replies: replies)
                #expect(typo.text.contains("unknown kind 'credentail'"), "\(caller): \(typo.text)")

                let empty = try await gateway.type("", on: caller, replies: replies)
                #expect(empty.text.contains("the command is empty"), "\(caller): \(empty.text)")
            }
            #expect(gateway.simulator.stats.apiCalls == 0)
            let records = try await gateway.auditRecords()
            let unknown = records.filter { $0.event.errorCode == .chatUserUnknown }
            #expect(unknown.count == 3)
            #expect(unknown.allSatisfy { $0.event.decision == .rejectedPolicy && $0.event.platform != nil })
            #expect(records.filter { $0.event.errorCode == .personNotAllowed }.allSatisfy { $0.event.requestedBy == "bob" })
        }
    }

    @Test("a repeated trigger_id replays its answer and does not act again")
    func replayedTrigger() async throws {
        try await withChatGateway { gateway, replies, _ in
            let body = ChatTestCaller.slack.body("enable credential 42 for ticket CHG0012345 for 2h", trigger: "13345224609.738474920.8088930838d88f008e0", replies: replies)
            let first = try await gateway.chat(.slack, body: body, headers: try ChatTestCaller.slack.sign(body))
            // Signed again a second later, as a sender's retry would be: same trigger, new signature.
            let again = try await gateway.chat(.slack, body: body, headers: try ChatTestCaller.slack.sign(body, timestamp: Date().addingTimeInterval(1)))
            #expect(first.status == .ok && again.status == .ok)
            #expect(again.text.contains("Enabled credential 42"))
            #expect(gateway.simulator.stats.apiCalls == 1)
            #expect(try await gateway.auditRecords().contains { $0.event.decision == .replayed })
        }
    }

    @Test("bad signatures, stale timestamps, wrong tokens and other platforms' callers get 401 and act on nothing")
    func authentication() async throws {
        try await withChatGateway { gateway, replies, _ in
            let command = "enable credential 42 for ticket CHG0012345 for 2h"
            for caller in ChatTestCaller.allCases {
                let body = caller.body(command, replies: replies)
                let wrong = caller == .teams ? Data(repeating: 4, count: 32).base64EncodedString() : "definitely-not-the-secret-000"
                let forged = try await gateway.chat(caller, body: body, headers: try caller.sign(body, secret: wrong))
                #expect(forged.status == .unauthorized, "\(caller)")
                #expect(!forged.text.contains(caller.secret))
                // Mattermost may send its token in the form instead of the header: unsigned is without either.
                let unsigned = try await gateway.chat(caller, body: body.replacingOccurrences(of: "token=\(caller.secret)", with: "token=x"), headers: [:])
                #expect(unsigned.status == .unauthorized, "\(caller)")
            }
            let body = ChatTestCaller.slack.body(command, replies: replies)
            let stale = try await gateway.chat(.slack, body: body, headers: try ChatTestCaller.slack.sign(body, timestamp: Date().addingTimeInterval(-600)))
            #expect(stale.status == .unauthorized)
            #expect(stale.text.contains("stale_timestamp"))

            // A chat caller's signature is no good on the API, and an API caller's no good on a chat route.
            let slackOnTeams = try await gateway.chat(.teams, body: body, headers: try ChatTestCaller.slack.sign(body), contentType: "application/x-www-form-urlencoded")
            #expect(slackOnTeams.status == .unauthorized)
            let json = #"{"command":"enable credential 42 for ticket CHG0012345 for 2h","requested_by":"alice"}"#
            var headers = try ChatTestCaller.slack.sign(json)
            headers[.contentType] = "application/json"
            let chatOnAPI = try await gateway.client.execute(uri: "/v1/actions", method: .post, headers: headers, body: ByteBuffer(string: json))
            #expect(chatOnAPI.status == .unauthorized)
            let apiOnChat = try await gateway.post(body, as: .slack, contentType: "application/x-www-form-urlencoded", path: "/v1/chat/slack")
            #expect(apiOnChat.status == .unauthorized)
            #expect(gateway.simulator.stats.apiCalls == 0)
        }
    }

    @Test("Mattermost's token is accepted in the header or only in the form, and a response_url outside the prefixes is refused")
    func mattermostToken() async throws {
        try await withChatGateway { gateway, replies, _ in
            let body = ChatTestCaller.mattermost.body("grants", replies: replies)
            let inBody = try await gateway.chat(.mattermost, body: body, headers: [:])
            #expect(inBody.status == .ok, "\(inBody.text)")
            #expect(inBody.text.contains("alice has no open grants"))
            let elsewhere = ChatTestCaller.mattermost.body("grants", replies: "https://attacker.example/hooks/commands/x")
            let refused = try await gateway.chat(.mattermost, body: elsewhere, headers: try ChatTestCaller.mattermost.sign(elsewhere))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("response_url"))
        }
    }

    @Test("with the server's signing key, a Mattermost command acts only for the user its trigger_id was issued to")
    func mattermostTriggerIDs() async throws {
        let server = MattermostServerKey()
        try await withChatGateway(mattermostKey: server.publicKey) { gateway, replies, _ in
            let alice = ChatTestCaller.mattermost.user("alice")
            let signed = try await gateway.type("grants", on: .mattermost, trigger: try server.triggerID(user: alice), replies: replies)
            #expect(signed.text.contains("alice has no open grants"), "\(signed.text)")
            // The token's holder names alice, with a trigger the server issued to bob, or one it never issued.
            let bobs = try server.triggerID(user: ChatTestCaller.mattermost.user("bob"))
            let borrowed = try await gateway.type("enable credential 42 for ticket CHG0012345 for 1h", on: .mattermost, trigger: bobs, replies: replies)
            #expect(borrowed.status == .unauthorized)
            #expect(borrowed.text.contains("signature_mismatch"))
            let forged = try await gateway.type("enable credential 42 for ticket CHG0012345 for 1h", on: .mattermost, trigger: "x", replies: replies)
            #expect(forged.status == .unauthorized)
            #expect(gateway.simulator.stats.apiCalls == 0)
        }
    }

    @Test("a Segura slowed to 5 s: Slack gets 'working on it' within 3 s, and the result follows on response_url once")
    func slowSegura() async throws {
        try await withChatGateway(seguraDeadline: .seconds(15)) { gateway, replies, receiver in
            gateway.simulator.injectFault(.latency(.seconds(5)), on: .operation(.credential, .enable, id: 42), times: 1)
            let started = ContinuousClock.now
            let response = try await gateway.type("enable credential 42 for ticket CHG0012345 for 2h", on: .slack, replies: replies)
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(response.text.contains("Working on it"), "\(response.text)")
            let followUp = try #require(try await receiver.wait(for: 1).first)
            let text = String(decoding: followUp.body, as: UTF8.self)
            #expect(text.contains("Enabled credential 42"), "\(text)")
            #expect(text.contains(#""response_type":"in_channel""#))
            #expect(followUp.headers[.contentType] == "application/json")
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.deliveries.count == 1)
            #expect(gateway.simulator.stats.apiCalls == 1)
        }
    }

    @Test("grants lists the person's open grants; revoke ends one, once, and the grant callback and the reply agree")
    func grantsAndRevoke() async throws {
        try await withChatGateway { gateway, replies, _ in
            let enabled = try await gateway.type("enable credential 42 for ticket CHG0012345 for 2h", on: .mattermost, replies: replies)
            #expect(enabled.text.contains("Enabled credential 42"), "\(enabled.text)")
            let grants = try await gateway.type("grants", on: .mattermost, replies: replies)
            let grantID = try #require(grants.text.firstMatch(of: /grt_[0-9a-f]{32}/).map { String($0.output) })
            #expect(grants.text.contains("credential 42"))
            // bob opened none of them and his policy cannot disable: to him the grant does not exist.
            let bobs = try await gateway.type("revoke \(grantID)", on: .mattermost, as: "bob", replies: replies)
            #expect(bobs.text.contains("person_not_allowed"), "\(bobs.text)")

            let revoked = try await gateway.type("revoke \(grantID)", on: .mattermost, replies: replies)
            #expect(revoked.text.contains("Disabled credential 42"), "\(revoked.text)")
            #expect(revoked.text.contains("revoked"))
            let again = try await gateway.type("revoke \(grantID)", on: .mattermost, replies: replies)
            #expect(again.text.contains("grant_ended"), "\(again.text)")
            #expect(again.text.contains("was not changed"))
            #expect(gateway.simulator.stats.apiCalls == 2)
            let none = try await gateway.type("grants", on: .mattermost, replies: replies)
            #expect(none.text.contains("alice has no open grants"))

            let api = try await gateway.get("/v1/grants/\(grantID)")
            #expect(api.text.contains(#""state":"revoked""#))
        }
    }

    @Test("the Revoke button is acknowledged empty and its result follows on response_url")
    func revokeButton() async throws {
        try await withChatGateway { gateway, replies, receiver in
            let enabled = try await gateway.type("enable credential 42 for ticket CHG0012345 for 2h", on: .slack, replies: replies)
            let grantID = try #require(enabled.text.firstMatch(of: /grt_[0-9a-f]{32}/).map { String($0.output) })
            let payload = #"{"type":"block_actions","user":{"id":"U0ALICE","username":"alice","name":"alice","team_id":"T0001"},"#
                + #""api_app_id":"A123456","token":"gIkuvaNzQIHg97ATvDxqgjtO","container":{"type":"message","message_ts":"1.2","channel_id":"C1","is_ephemeral":false},"#
                + #""trigger_id":"13345224609.738474920.1","team":{"id":"T0001","domain":"example"},"channel":{"id":"C1","name":"ops"},"#
                + #""response_url":"\#(replies)","actions":[{"action_id":"segura.revoke_grant","block_id":"b","text":{"type":"plain_text","text":"Revoke now"},"#
                + #""value":"\#(grantID)","style":"danger","type":"button","action_ts":"1.3"}]}"#
            let body = "payload=" + payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let clicked = try await gateway.chat(.slack, body: body, headers: try ChatTestCaller.slack.sign(body))
            #expect(clicked.status == .ok)
            #expect(clicked.body.readableBytes == 0)
            #expect(clicked.headers[.contentType] == "text/plain; charset=utf-8")
            let followUp = try #require(try await receiver.wait(for: 1).first)
            #expect(String(decoding: followUp.body, as: UTF8.self).contains("Disabled credential 42"))
            #expect(gateway.simulator.stats.apiCalls == 2)
        }
    }

    @Test("a Teams mention with a command gets a card; status shows an earlier answer to its own requester only")
    func teamsAndStatus() async throws {
        try await withChatGateway { gateway, replies, _ in
            let enabled = try await gateway.type("enable credential 42 for ticket CHG0012345 for 2h", on: .teams, replies: replies)
            #expect(enabled.status == .ok)
            #expect(enabled.text.contains("application/vnd.microsoft.card.adaptive"), "\(enabled.text)")
            #expect(enabled.text.contains("{{DATE("))
            let requestID = try #require(enabled.headers[.init("X-Request-Id")!])
            let status = try await gateway.type("status \(requestID)", on: .teams, replies: replies)
            #expect(status.text.contains("Enabled credential 42"), "\(status.text)")
            let bobs = try await gateway.type("status \(requestID)", on: .teams, as: "bob", replies: replies)
            #expect(bobs.text.contains("action_not_found"), "\(bobs.text)")
            let mentionOnly = try await gateway.type("", on: .teams, replies: replies)
            #expect(mentionOnly.text.contains("a mention alone is not one"))
        }
    }
}

/// A chat change answered "working on it" finishes through a graceful shutdown, and its outcome and reply are kept.
@Suite("Chat shutdown", .timeLimit(.minutes(2)))
struct ChatShutdownTests {
    @Test("a change running behind 'working on it' is recorded, with its reply, before the store closes")
    func workingOnItSurvivesShutdown() async throws {
        try await withCallbackReceiver(answering: [.internalServerError]) { replies, receiver in
            let simulator = try await SeguraSimulator.start()
            simulator.injectFault(.latency(.seconds(3)), on: .operation(.credential, .enable, id: 42), times: 1)
            var configuration = GatewayConfiguration(
                segura: .init(baseURL: simulator.baseURL, clientID: "segura-gateway", clientSecret: "simulator-secret"), callers: []
            )
            configuration.segura.retry.deadline = .seconds(15)
            configuration.storePath = temporaryStorePath()
            defer { removeStore(at: configuration.storePath) }
            try ChatTestCaller.configure(&configuration, replies: replies)
            let gateway = try await RunningGateway.start(configuration)

            let body = ChatTestCaller.slack.body("enable credential 42 for ticket CHG0012345 for 2h", replies: replies)
            var headers = try ChatTestCaller.slack.sign(body).map { HTTPHeaderField($0.name.rawName, $0.value) }
            headers.append(HTTPHeaderField("Content-Type", "application/x-www-form-urlencoded"))
            let client = try CurlHTTPClient()
            let answer = try await client.execute(
                OutboundRequest(method: .post, url: "http://127.0.0.1:\(gateway.port)/v1/chat/slack", headers: headers, body: Array(body.utf8))
            )
            #expect(String(decoding: answer.body, as: UTF8.self).contains("Working on it"))
            try await gateway.stop()
            #expect(simulator.stats.apiCalls == 1)

            // The outcome and its reply were written before the store closed; the reply's first post got 500.
            let store = try await SQLiteGatewayStore.open(path: configuration.storePath)
            var decisions: [AuditDecision] = []
            for try await record in store.auditRecords(since: nil, afterSequence: nil) { decisions.append(record.event.decision) }
            #expect(decisions.contains(.applied))
            let queued = try await store.claimDueCallbacks(now: Date().addingTimeInterval(3600), limit: 10, lease: .seconds(1))
            let replyQueued = queued.contains { String(decoding: $0.event.body, as: UTF8.self).contains("Enabled credential 42") }
            #expect(replyQueued || receiver.deliveries.contains { String(decoding: $0.body, as: UTF8.self).contains("Enabled credential 42") })
            try await store.close()
            await client.shutdown()
            try await simulator.shutdown()
        }
    }
}
