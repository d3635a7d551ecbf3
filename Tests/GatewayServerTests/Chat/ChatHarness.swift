import Foundation
import GatewaySecurity
import GatewayStore
@testable import GatewayServer
import GatewayVocabulary
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The chat callers of the chat tests, one per platform, acting for two people: `alice`, with the caller's
/// policy, and `bob`, whose own policy allows only `enable` of credential 41 for an hour.
enum ChatTestCaller: String, CaseIterable, Sendable {
    case slack = "chat-slack"
    case teams = "chat-teams"
    case mattermost = "chat-mattermost"

    var platform: ChatPlatformKind {
        switch self {
        case .slack: .slack
        case .teams: .teams
        case .mattermost: .mattermost
        }
    }

    var secret: String {
        switch self {
        case .slack: "8f742231b10e8888abcd99yyyzzz85a5"
        case .teams: Data(repeating: 3, count: 32).base64EncodedString()
        case .mattermost: "qzgakf1nx3yt9dr4n8585ihbxy"
        }
    }

    /// The platform user id of `person`.
    func user(_ person: String) -> String {
        switch self {
        case .slack: person == "alice" ? "T0001/U0ALICE" : person == "bob" ? "T0001/U0BOB" : "T0001/U0STRANGER"
        case .teams: "aad-\(person)"
        case .mattermost: "\(person)0000000000000000000000000".prefix(26).lowercased()
        }
    }

    /// Adds the three chat callers, whose follow-ups go to `replies` (a ``CallbackReceiver`` URL).
    /// With `mattermostKey`, the Mattermost caller checks each `trigger_id` against that server key.
    static func configure(_ configuration: inout GatewayConfiguration, replies: String, answerWithin: Double = 0.6, mattermostKey: String? = nil) throws {
        let everything = try CallerPolicy(allowedActions: Set(TargetAction.allCases), allowedKinds: Set(TargetKind.allCases), maxDuration: .seconds(8 * 3600))
        let bobs = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], allowedIDs: [.credential: [41...41]], maxDuration: .seconds(3600))
        let url = try #require(URL(string: replies))
        let prefix = "http://\(url.host ?? ""):\(url.port ?? 80)/"
        for caller in Self.allCases {
            var chat = GatewayConfiguration.Chat(
                platform: caller.platform,
                people: [caller.user("alice"): .init(name: "alice"), caller.user("bob"): .init(name: "bob", policy: bobs)],
                replyURLPrefixes: [prefix],
                incomingWebhook: caller == .teams ? .init(replies) : nil
            )
            chat.answerWithin = answerWithin
            if caller == .mattermost, let mattermostKey { chat.triggerIDs = MattermostTriggerID(publicKey: mattermostKey) }
            configuration.callers.append(.init(
                name: caller.rawValue,
                verifier: CallerVerifier(
                    scheme: caller.platform.scheme, secrets: [try WebhookSecret(caller.secret, scheme: caller.platform.scheme)],
                    tokenFormField: caller.platform.tokenFormField
                ),
                policy: everything,
                chat: chat
            ))
        }
    }

    /// The body `person` sends by typing `text` (a Teams message mentions the webhook first).
    func body(_ text: String, as person: String = "alice", trigger: String = UUID().uuidString, replies: String) -> String {
        let form = { (value: String) in value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
        switch self {
        case .slack:
            let user = self.user(person).split(separator: "/")
            return "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=\(user[0])&team_domain=example&channel_id=C2147483705&channel_name=ops"
                + "&user_id=\(user[1])&user_name=\(person)&command=%2Fsegura&text=\(form(text))&api_app_id=A123456"
                + "&response_url=\(form(replies))&trigger_id=\(form(trigger))"
        case .teams:
            let activity: [String: Any] = [
                "type": "message", "id": trigger, "timestamp": "2026-12-06T10:00:00.000Z", "channelId": "msteams",
                "serviceUrl": "https://smba.trafficmanager.net/emea/",
                "from": ["id": "29:1abc", "name": person, "aadObjectId": self.user(person)],
                "conversation": ["isGroup": true, "conversationType": "channel", "id": "19:abc@thread.tacv2;messageid=1"],
                "recipient": ["id": "28:webhook", "name": "Segura"], "textFormat": "plain",
                "text": "<at>Segura</at> \(text)\n",
                "channelData": ["teamsChannelId": "19:abc@thread.tacv2", "teamsTeamId": "19:def@thread.tacv2"],
            ]
            return String(decoding: try! JSONSerialization.data(withJSONObject: activity, options: [.sortedKeys]), as: UTF8.self)
        case .mattermost:
            return "channel_id=fukxanjgjbnp7ng383at53k1sy&channel_name=town-square&command=%2Fsegura&response_url=\(form(replies))"
                + "&team_domain=team-awesome&team_id=wx4zz8t4ttgmtxqiwfohijayzc&text=\(form(text))&token=\(self.secret)"
                + "&trigger_id=\(form(trigger))&user_id=\(self.user(person))&user_name=\(person)"
        }
    }

    var contentType: String { self == .teams ? "application/json" : "application/x-www-form-urlencoded" }

    /// The platform's authentication headers for `body`, as the platform makes them.
    func sign(_ body: String, secret: String? = nil, timestamp: Date = Date()) throws -> HTTPFields {
        if self == .mattermost {
            return [.authorization: "Token \(secret ?? self.secret)"]
        }
        let scheme = self.platform.scheme
        return try WebhookSigner.headerFields(
            scheme: scheme, secret: WebhookSecret(secret ?? self.secret, scheme: scheme), body: Array(body.utf8), deliveryID: "", timestamp: timestamp
        )
    }
}

extension GatewayUnderTest {
    /// Sends `body` to `caller`'s platform route with `headers` (its signature).
    func chat(_ caller: ChatTestCaller, body: String, headers: HTTPFields, contentType: String? = nil) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = contentType ?? caller.contentType
        return try await self.client.execute(uri: caller.platform.path, method: .post, headers: headers, body: ByteBuffer(bytes: Array(body.utf8)))
    }

    /// `person` types `text` on `caller`'s platform; the request is signed as the platform signs it.
    func type(_ text: String, on caller: ChatTestCaller, as person: String = "alice", trigger: String = UUID().uuidString, replies: String) async throws
        -> TestResponse
    {
        let body = caller.body(text, as: person, trigger: trigger, replies: replies)
        return try await self.chat(caller, body: body, headers: try caller.sign(body))
    }

    /// Every audit record so far, read through a second store on the gateway's file.
    func auditRecords() async throws -> [AuditRecord] {
        let store = try await SQLiteGatewayStore.open(path: self.storePath)
        var records: [AuditRecord] = []
        for try await record in store.auditRecords(since: nil, afterSequence: nil) { records.append(record) }
        try await store.close()
        return records
    }
}

extension TestResponse {
    /// The answer's JSON text.
    var text: String { String(buffer: self.body) }
}
