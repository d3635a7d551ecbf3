import Foundation
import GatewaySecurity
@testable import GatewayServer
import GatewayVocabulary
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SeguraSimulator
import Testing
import TestSupport

/// Approvals through the chat routes over loopback HTTP: a request held pending is posted to the approval channel
/// with its buttons, and a click on one is proven, recorded and answered as Mattermost documents it.
@Suite("Chat approval routes")
struct ChatApprovalRouteTests {
    static let channelID = "4xp9fdt6fjbzmxnqhcus9nhmdw"

    @Test("Mattermost: alice's request waits in the approval channel; bob's Approve is recorded and replaces the post; an altered button is 401")
    func mattermostClick() async throws {
        let server = MattermostServerKey()
        let mattermost = ChatTestCaller.mattermost
        try await withCallbackReceiver { replies, receiver in
            try await withGateway(configure: { configuration in
                try ChatTestCaller.configure(&configuration, replies: replies, mattermostKey: server.publicKey)
                let index = try #require(configuration.callers.firstIndex { $0.name == mattermost.rawValue })
                configuration.callers[index].approval = try ApprovalRule(actions: [.enable], approvers: ["bob"])
                configuration.callers[index].chat?.approvalChannel = .init(
                    webhook: .init(replies), channelID: Self.channelID, actionURL: "http://127.0.0.1/v1/chat/mattermost/actions",
                    buttons: ButtonContext(secret: "b7c1e0f4a9d2c6e8f1a3b5d7c9e0f2a4")
                )
            }) { gateway in
                let trigger = try server.triggerID(user: mattermost.user("alice"))
                let asked = try await gateway.type("enable credential 42 for ticket CHG0012345 for 1h", on: mattermost, trigger: trigger, replies: replies)
                #expect(asked.status == .ok)
                #expect(gateway.simulator.stats.apiCalls == 0)

                let post = try await eventually("no post with buttons reached the approval channel") {
                    receiver.deliveries.lazy.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }
                        .first { $0["attachments"] != nil }
                }
                let actions = try #require((post["attachments"] as? [[String: Any]])?.first?["actions"] as? [[String: Any]])
                let contexts = actions.compactMap { ($0["integration"] as? [String: Any])?["context"] as? [String: Any] }
                let approve = try #require(contexts.first { $0["decision"] as? String == "approve" })

                func click(_ context: [String: Any], as person: String) async throws -> TestResponse {
                    let body: [String: Any] = [
                        "user_id": mattermost.user(person), "user_name": person, "channel_id": Self.channelID, "channel_name": "approvers",
                        "team_id": "wx4zz8t4ttgmtxqiwfohijayzc", "team_domain": "ops", "post_id": "q9rnpbwq3ifnbqhx6pwsbxiusw",
                        "trigger_id": try server.triggerID(user: mattermost.user(person)), "type": "button", "data_source": "", "context": context,
                    ]
                    return try await gateway.client.execute(
                        uri: MattermostActions.path, method: .post, headers: [.contentType: "application/json"],
                        body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
                    )
                }

                let altered = try await click(approve.merging(["decision": "deny"]) { $1 }, as: "bob")
                #expect(altered.status == .unauthorized)
                #expect(altered.text.contains("signature_mismatch"), "\(altered.text)")

                let own = try await click(approve, as: "alice")
                #expect(own.status == .ok)
                #expect(own.text.contains("ephemeral_text") && !own.text.contains("\"update\""), "\(own.text)")

                let approved = try await click(approve, as: "bob")
                #expect(approved.status == .ok)
                let answer = try #require(try JSONSerialization.jsonObject(with: Data(approved.text.utf8)) as? [String: Any])
                let update = try #require(answer["update"] as? [String: Any], "\(approved.text)")
                #expect((update["message"] as? String)?.contains("Approved by bob") == true, "\(approved.text)")
                #expect(((update["props"] as? [String: Any])?["attachments"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test("Slack: bob's Approve click is acknowledged empty, and the approval message is replaced through its response_url")
    func slackClick() async throws {
        let slack = ChatTestCaller.slack
        try await withCallbackReceiver { replies, receiver in
            try await withGateway(configure: { configuration in
                try ChatTestCaller.configure(&configuration, replies: replies)
                let index = try #require(configuration.callers.firstIndex { $0.name == slack.rawValue })
                configuration.callers[index].approval = try ApprovalRule(actions: [.enable], approvers: ["bob"])
                configuration.callers[index].chat?.approvalChannel = .init(webhook: .init(replies))
            }) { gateway in
                let asked = try await gateway.type("enable credential 42 for ticket CHG0012345 for 1h", on: slack, replies: replies)
                #expect(asked.status == .ok)
                let post = try await eventually("no post with buttons reached the approval channel") {
                    receiver.deliveries.lazy.map { String(decoding: $0.body, as: UTF8.self) }.first { $0.contains("segura.approve") }
                }
                let approvalID = try #require(post.firstRange(of: /apr_[0-9a-f]{32}/).map { String(post[$0]) })

                let user = slack.user("bob").split(separator: "/")
                let payload = """
                    {"type":"block_actions","user":{"id":"\(user[1])","team_id":"\(user[0])"},"team":{"id":"\(user[0])"},"trigger_id":"\(UUID().uuidString)",
                    "response_url":"\(replies)","actions":[{"type":"button","action_id":"segura.approve","value":"\(approvalID)"}]}
                    """
                let body = "payload=" + payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let before = receiver.deliveries.count
                let clicked = try await gateway.chat(slack, body: body, headers: try slack.sign(body))
                #expect(clicked.status == .ok)
                #expect(clicked.text.isEmpty)
                // The requester hears of the decision too, in a message of their own; the approvers' message is replaced.
                let replaced = try await eventually("the approval message was not replaced") {
                    receiver.deliveries.dropFirst(before).lazy.map { String(decoding: $0.body, as: UTF8.self) }
                        .first { $0.contains(#""replace_original":true"#) }
                }
                #expect(replaced.contains("Approved by bob"), "\(replaced)")
                #expect(!replaced.contains("segura.approve"))
            }
        }
    }
}
