import Foundation
import GatewayVocabulary
import Testing

@testable import GatewayServer

/// Each platform reads its payloads exactly as the platform documents them, and writes messages people cannot
/// turn into mentions or markup.
@Suite("Chat platforms")
struct ChatPlatformTests {
    static let form = "application/x-www-form-urlencoded"

    // MARK: Slack

    /// Slack's documented slash-command body (api.slack.com/interactivity/slash-commands), with our command.
    static let slackCommand = "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001"
        + "&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=test&user_id=U2147483697"
        + "&user_name=Steve&command=/segura&text=enable+credential+42+for+ticket+CHG0012345+for+2h"
        + "&response_url=https://hooks.slack.com/commands/1234/5678&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456"

    @Test("a Slack slash command: the person is team_id/user_id, trigger_id the delivery")
    func slackCommand() throws {
        let inbound = try SlackPlatform().read(body: Array(Self.slackCommand.utf8), contentType: Self.form)
        #expect(inbound.userID == "T0001/U2147483697")
        #expect(inbound.gesture == .command("enable credential 42 for ticket CHG0012345 for 2h"))
        #expect(inbound.deliveryID == "13345224609.738474920.8088930838d88f008e0")
        #expect(inbound.replyURL == "https://hooks.slack.com/commands/1234/5678")
        #expect(inbound.answersInline)
    }

    @Test("Slack's escaped &, < and > are read as typed")
    func slackEscapes() {
        #expect(SlackPlatform.unescape("a &amp;&lt;b&gt;") == "a &<b>")
    }

    @Test("a click on the Revoke button answers empty and follows on response_url")
    func slackButton() throws {
        let payload = #"""
            {"type":"block_actions","user":{"id":"U2147483697","username":"steve","name":"steve","team_id":"T0001"},
            "api_app_id":"A123456","token":"gIkuvaNzQIHg97ATvDxqgjtO","container":{"type":"message","message_ts":"1.2","channel_id":"C1","is_ephemeral":false},
            "trigger_id":"13345224609.738474920.8088930838d88f008e1","team":{"id":"T0001","domain":"example"},
            "channel":{"id":"C1","name":"ops"},"response_url":"https://hooks.slack.com/actions/T0001/1/abc",
            "actions":[{"action_id":"segura.revoke_grant","block_id":"b1","text":{"type":"plain_text","text":"Revoke now"},
            "value":"grt_0192f3a4b5c67d8e9f0a1b2c3d4e5f60","style":"danger","type":"button","action_ts":"1.3"}]}
            """#
        let body = "payload=" + payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let inbound = try SlackPlatform().read(body: Array(body.utf8), contentType: Self.form)
        #expect(inbound.userID == "T0001/U2147483697")
        #expect(inbound.gesture == .revokeButton(grantID: "grt_0192f3a4b5c67d8e9f0a1b2c3d4e5f60"))
        #expect(inbound.deliveryID == "13345224609.738474920.8088930838d88f008e1")
        #expect(!inbound.answersInline)
    }

    @Test("a Slack body the documentation does not describe is refused", arguments: [
        ("team_id=T1&text=help&trigger_id=1", form),  // no user_id
        ("team_id=T1&user_id=U1&trigger_id=1", form),  // no text
        ("team_id=T1&user_id=U1&text=help", form),  // no trigger_id
        ("team_id=T1&user_id=U1&text=%ZZ&trigger_id=1", form),  // bad escape
        ("team_id=T1&user_id=U1&text=help&trigger_id=1", "application/json"),
        ("payload=%7B%22type%22%3A%22view_submission%22%7D", form),
    ])
    func slackInvalid(body: String, contentType: String) {
        #expect(throws: ChatInputError.self) { try SlackPlatform().read(body: Array(body.utf8), contentType: contentType) }
    }

    @Test("Slack messages escape what people typed, so it can never mention a channel")
    func slackEscaping() throws {
        let message = ChatMessage(tone: .failure, headline: "Not done", detail: "unknown kind '<!channel>'")
        let json = String(decoding: SlackPlatform().answer(message), as: UTF8.self)
        #expect(!json.contains("<!channel>"))
        #expect(json.contains("&lt;!channel&gt;"))
        #expect(json.contains(#""response_type":"ephemeral""#))
    }

    @Test("a grant's expiry is a <!date> token with a UTC fallback, and a Revoke button is offered")
    func slackGrant() throws {
        var message = ChatMessage(tone: .success, headline: "Enabled credential 42", isPublic: true, revocableGrant: "grt_1")
        message.facts = [.init(label: "Access ends", value: .time(Date(timeIntervalSince1970: 1_765_020_000)))]
        let json = String(decoding: SlackPlatform().followUp(message), as: UTF8.self)
        #expect(json.contains("<!date^1765020000^{date_short_pretty} at {time}|2025-12-06 11:20 UTC>"))
        #expect(json.contains(#""action_id":"segura.revoke_grant""#))
        #expect(json.contains(#""value":"grt_1""#))
        #expect(json.contains(#""confirm":{"confirm":{"text":"Revoke""#))
        #expect(json.contains(#""response_type":"in_channel""#))
        #expect(json.contains(#""replace_original":false"#))
        #expect(json.contains(#""text":"✅ Enabled credential 42"#))
    }

    @Test("a long list keeps whole lines and says how many were left out")
    func slackLongList() {
        let lines = (1...60).map { "• credential \($0), ticket `CHG0012345` until <!date^1765020000^{date_short_pretty} at {time}|2025-12-06 11:20 UTC> `grt_0192f3a4b5c67d8e9f0a1b2c3d4e5f60`" }
        let text = SlackPlatform.lines(lines, within: 2900)
        #expect(text.count <= 2900)
        #expect(text.hasSuffix("more"))
        #expect(text.split(separator: "\n").dropLast().allSatisfy { $0.hasSuffix("5f60`") })
    }

    @Test("a typed URL or Markdown link in an error is taken apart on every platform")
    func defanged() {
        let message = ChatMessages.refusal(code: .invalidCommand, message: "unknown command '[reset](https://evil.example)'")
        for platform in ChatPlatformKind.allCases {
            let json = String(decoding: ChatPlatforms.platform(platform).answer(message), as: UTF8.self)
            #expect(!json.contains("https://evil"), "\(platform)")
            #expect(!json.contains("](h"), "\(platform)")
        }
    }

    // MARK: Teams

    /// Microsoft's documented outgoing-webhook Activity, with our mention and command, and an aadObjectId.
    static let teamsActivity = #"""
        {"type":"message","id":"1485983408511","timestamp":"2017-02-01T21:10:07.437Z","localTimestamp":"2017-02-01T14:10:07.437-07:00",
        "serviceUrl":"https://smba.trafficmanager.net/amer-client-ss.msg/","channelId":"msteams",
        "from":{"id":"29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkHilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw","name":"Tim Jones","aadObjectId":"6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8"},
        "conversation":{"id":"19:253b1f341670408fb6fe51050b6e5ceb@thread.skype;messageid=1485983194839"},
        "recipient":{"id":"null","name":"null"},"textFormat":"plain",
        "text":"<at>Segura</at> enable credential 42 for ticket CHG0012345&nbsp;for 2h\n",
        "attachments":[{"contentType":"text/html","content":"<div><span itemscope itemtype=\"http://schema.skype.com/Mention\" itemid=\"0\">Segura</span> enable credential 42</div>"}],
        "entities":[{"type":"mention","mentioned":{"id":"28:c9e8c047-2a74-40a2-b28a-b162d5f5327c","name":"Segura"},"text":"<at>Segura</at>"},
        {"type":"clientInfo","locale":"en-US","country":"US","platform":"Windows"}],
        "channelData":{"teamsChannelId":"19:253b1f341670408fb6fe51050b6e5ceb@thread.skype","teamsTeamId":"19:712c61d0ef384e5fa681ba90ca943398@thread.skype"}}
        """#

    @Test("a Teams Activity: the person is from.aadObjectId, the id the delivery, the mention and entities gone")
    func teamsActivity() throws {
        let inbound = try TeamsPlatform().read(body: Array(Self.teamsActivity.utf8), contentType: "application/json; charset=utf-8")
        #expect(inbound.userID == "6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8")
        #expect(inbound.gesture == .command("enable credential 42 for ticket CHG0012345 for 2h"))
        #expect(inbound.deliveryID == "1485983408511")
        #expect(inbound.replyURL == nil)
    }

    @Test("a mention alone leaves no command")
    func teamsMentionOnly() {
        #expect(TeamsPlatform.commandText("<at>Segura</at>&nbsp;\n") == "")
        #expect(TeamsPlatform.commandText("<at>Segura</at> <p>status&#32;req_1</p>") == "status req_1")
    }

    @Test("Teams answers with an Adaptive Card whose times render in the reader's time zone")
    func teamsCard() {
        var message = ChatMessage(tone: .success, headline: "Enabled credential 42", revocableGrant: "grt_1")
        message.facts = [.init(label: "Access ends", value: .time(Date(timeIntervalSince1970: 1_765_020_000)))]
        let json = String(decoding: TeamsPlatform().answer(message), as: UTF8.self)
        #expect(json.contains(#""contentType":"application/vnd.microsoft.card.adaptive""#))
        #expect(json.contains("{{DATE(2025-12-06T11:20:00Z, SHORT)}} {{TIME(2025-12-06T11:20:00Z)}}"))
        #expect(json.contains(#""type":"message""#))
        #expect(json.contains("revoke grt_1"))
    }

    @Test("a Teams body without the fields the documentation gives is refused", arguments: [
        #"{"type":"message","id":"1","from":{"id":"29:x"},"text":"help"}"#,  // no aadObjectId
        #"{"type":"conversationUpdate","id":"1","from":{"aadObjectId":"a"},"text":"help"}"#,
        #"{"type":"message","from":{"aadObjectId":"a"},"text":"help"}"#,  // no id
        "not json",
    ])
    func teamsInvalid(body: String) {
        #expect(throws: ChatInputError.self) { try TeamsPlatform().read(body: Array(body.utf8), contentType: "application/json") }
    }

    // MARK: Mattermost

    /// Mattermost's documented slash-command body (developers.mattermost.com/integrate/slash-commands/custom).
    static let mattermostCommand = "channel_id=fukxanjgjbnp7ng383at53k1sy&channel_name=town-square&command=%2Fsegura"
        + "&response_url=http%3A%2F%2Flocalhost%3A8066%2Fhooks%2Fcommands%2Fi11f6nnfgfyk8eg56x9omc6dpa&team_domain=team-awesome"
        + "&team_id=wx4zz8t4ttgmtxqiwfohijayzc&text=grants&token=qzgakf1nx3yt9dr4n8585ihbxy"
        + "&trigger_id=ZWZ5ZjRndzR4YmJxOHJlZWh4MXpkaHozbnI6ZXJqNnFjazNyZmd0dWpzODZ3NXI2cmNremg6MTY2MjA0MTY5Njg5Ng%3D%3D"
        + "&user_id=erj6qck3rfgtujs86w5r6rckzh&user_name=alan"

    @Test("a Mattermost slash command: the person is user_id, trigger_id the delivery")
    func mattermostCommand() throws {
        let inbound = try MattermostPlatform().read(body: Array(Self.mattermostCommand.utf8), contentType: Self.form)
        #expect(inbound.userID == "erj6qck3rfgtujs86w5r6rckzh")
        #expect(inbound.gesture == .command("grants"))
        #expect(inbound.deliveryID == "ZWZ5ZjRndzR4YmJxOHJlZWh4MXpkaHozbnI6ZXJqNnFjazNyZmd0dWpzODZ3NXI2cmNremg6MTY2MjA0MTY5Njg5Ng==")
        #expect(inbound.replyURL == "http://localhost:8066/hooks/commands/i11f6nnfgfyk8eg56x9omc6dpa")
    }

    @Test("Mattermost messages escape Markdown and mentions and turn off Slack-style parsing")
    func mattermostEscaping() {
        let message = ChatMessage(tone: .failure, headline: "Not done", detail: "unknown kind '@channel **x**'")
        let json = String(decoding: MattermostPlatform().answer(message), as: UTF8.self)
        #expect(json.contains(#"\\@channel \\*\\*x\\*\\*"#))
        #expect(json.contains(#""skip_slack_parsing":true"#))
        #expect(json.contains(#""response_type":"ephemeral""#))
    }
}
