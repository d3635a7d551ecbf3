import ArgumentParser
import Crypto
import Foundation
import GatewaySecurity
import GatewayServer
import GatewayStore
import GatewayVocabulary
import Hummingbird
import Logging
import SeguraClient
import SeguraSimulator
import ServiceLifecycle

/// `segura-gateway demo`: the embedded defaults, nothing to configure.
///
/// Starts the Segura simulator and the gateway in this process on loopback, with generated demo callers (Standard
/// Webhooks, a static token, and one chat caller per platform acting for the person `demo-user`), and prints curl
/// commands that work as pasted.
///
/// `demo-servicenow`'s requests for credentials 900–999 wait for approval by the caller `demo-approver`, so the
/// approval routes have requests to show and decide; credential 900 exists, inactive, so an approved enable runs.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the gateway against the built-in Segura simulator, with generated demo callers."
    )

    @Option(help: "The gateway's port on 127.0.0.1.")
    var port = 8080

    @Option(help: "The simulator's port on 127.0.0.1 (0 picks a free one).")
    var simulatorPort = 0

    @Option(help: "Write the demo callers' secrets to this file (KEY=value lines), for scripts.")
    var secretsFile: String?

    @Flag(help: "Benchmark baseline only: keep no store, so no idempotency, replay protection or audit trail.")
    var withoutStore = false

    @Flag(help: "Let the demo callers enable without a duration (access with no end), as the benchmark does.")
    var allowPermanentEnable = false

    func run() async throws {
        bootstrapLogging(level: .notice)
        let logger = Logger(label: "segura.gateway")
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.port = self.simulatorPort
        simulatorConfiguration.objects.append(SimulatedObject(kind: .credential, id: 900, state: .inactive))
        let simulator = try await SeguraSimulator.start(simulatorConfiguration, logger: Logger(label: "segura.simulator"))

        let webhookSecret = "whsec_" + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
        let approverSecret = "whsec_" + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
        let staticToken = "demo_" + SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let slackSecret = SymmetricKey(size: .bits128).withUnsafeBytes { bytes in bytes.map { String(format: "%02x", $0) }.joined() }
        let teamsToken = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
        let mattermostToken = SymmetricKey(size: .bits128).withUnsafeBytes { bytes in bytes.map { String(format: "%02x", $0) }.joined() }
        let policy = try CallerPolicy(
            allowedActions: Set(TargetAction.allCases),
            allowedKinds: Set(TargetKind.allCases),
            ticketPattern: "[A-Z]{2,5}[0-9]{3,10}",
            maxDuration: .seconds(8 * 3600),
            allowsPermanentEnable: self.allowPermanentEnable
        )
        var servicenow = GatewayConfiguration.Caller(
            name: "demo-servicenow",
            verifier: CallerVerifier(scheme: .standardWebhooks, secrets: [try WebhookSecret(webhookSecret, scheme: .standardWebhooks)]),
            policy: policy
        )
        servicenow.approval = try ApprovalRule(kinds: [.credential], ids: [.credential: [900...999]], approvers: [], approverCallers: ["demo-approver"])
        var http = GatewayConfiguration.HTTP()
        http.port = self.port
        var configuration = GatewayConfiguration(
            http: http,
            segura: SeguraClient.Configuration(
                baseURL: simulator.baseURL, clientID: simulatorConfiguration.clientID, clientSecret: simulatorConfiguration.clientSecret
            ),
            callers: [
                servicenow,
                .init(
                    name: "demo-approver",
                    verifier: CallerVerifier(scheme: .standardWebhooks, secrets: [try WebhookSecret(approverSecret, scheme: .standardWebhooks)]),
                    policy: policy
                ),
                .init(
                    name: "demo-jira-automation",
                    verifier: CallerVerifier(scheme: .staticToken, secrets: [try WebhookSecret(staticToken, scheme: .staticToken)]),
                    policy: policy
                ),
                try Self.chatCaller(.slack, secret: slackSecret, policy: policy),
                try Self.chatCaller(.teams, secret: teamsToken, policy: policy),
                try Self.chatCaller(.mattermost, secret: mattermostToken, policy: policy),
            ]
        )
        // The demo keeps its deliveries and audit trail in a fresh file, so every start is clean.
        configuration.storePath = FileManager.default.temporaryDirectory.appendingPathComponent("segura-gateway-demo-\(UUID().uuidString).sqlite").path
        configuration.keepsDurableState = !self.withoutStore
        if self.withoutStore {
            logger.warning("Running without a store: repeated deliveries act again and nothing is audited (benchmark baseline only)")
        }
        if let secretsFile {
            try PrivateFile.write(
                "DEMO_SECRET=\(webhookSecret)\nDEMO_APPROVER_SECRET=\(approverSecret)\nDEMO_TOKEN=\(staticToken)\nGATEWAY_URL=http://127.0.0.1:\(self.port)\nSIMULATOR_URL=\(simulator.baseURL)\n"
                    + "DEMO_SLACK_SECRET=\(slackSecret)\nDEMO_TEAMS_TOKEN=\(teamsToken)\nDEMO_MATTERMOST_TOKEN=\(mattermostToken)\n",
                toPath: secretsFile
            )
        }
        let storePath = configuration.keepsDurableState ? configuration.storePath : nil
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let app = try await buildApplication(configuration: configuration, logger: logger) { port in
            // Written straight to the file handle: print() is block-buffered when stdout is a pipe.
            FileHandle.standardOutput.write(Data(Self.instructions(
                port: port, simulator: simulator.baseURL, executable: executable, webhookSecrets: (webhookSecret, approverSecret), staticToken: staticToken,
                chatSecrets: (slackSecret, teamsToken, mattermostToken), storePath: storePath
            ).utf8 + [0x0A]))
        }
        try await app.runService()
        try await simulator.shutdown()
    }

    /// A demo chat caller for `platform`, acting for one person, `demo-user`, with the user id
    /// ``demoUserID(_:)``. Follow-ups go to loopback only: Slack's and Mattermost's to a `response_url` on
    /// `http://127.0.0.1/`, Teams' to a port nothing listens on (retried, then abandoned, as a real outage would be).
    private static func chatCaller(_ platform: ChatPlatformKind, secret: String, policy: CallerPolicy) throws -> GatewayConfiguration.Caller {
        let chat = GatewayConfiguration.Chat(
            platform: platform, people: [Self.demoUserID(platform): .init(name: "demo-user")], replyURLPrefixes: ["http://127.0.0.1/"],
            incomingWebhook: platform == .teams ? .init("http://127.0.0.1:9/teams-webhook") : nil
        )
        return .init(
            name: "demo-\(platform.rawValue)",
            verifier: CallerVerifier(
                scheme: platform.scheme, secrets: [try WebhookSecret(secret, scheme: platform.scheme)], tokenFormField: platform.tokenFormField
            ),
            policy: policy,
            chat: chat
        )
    }

    /// The demo person's platform user id.
    static func demoUserID(_ platform: ChatPlatformKind) -> String {
        switch platform {
        case .slack: "T0DEMO/U0DEMO"
        case .teams: "00000000-0000-0000-0000-0000000de300"
        case .mattermost: "demouser0000000000000000ab"
        }
    }

    private static func instructions(
        port: Int, simulator: String, executable: String, webhookSecrets: (servicenow: String, approver: String), staticToken: String,
        chatSecrets: (slack: String, teams: String, mattermost: String), storePath: String?
    ) -> String {
        let (webhookSecret, approverSecret) = webhookSecrets
        let (slackSecret, teamsToken, mattermostToken) = chatSecrets
        let audit = storePath.map { path in
            "\n  \(executable) audit verify --store \(path)\n  \(executable) audit export --store \(path)\n"
        } ?? ""
        return """
        segura-gateway demo: gateway on http://127.0.0.1:\(port), Segura simulator on \(simulator)
        Demo callers (secrets are generated anew on every start; nothing is stored):
          demo-servicenow       Standard Webhooks, secret \(webhookSecret)
                                (its requests for credentials 900-999 wait for demo-approver's approval)
          demo-approver         Standard Webhooks, secret \(approverSecret)
          demo-jira-automation  static token,      token  \(staticToken)
          demo-slack            Slack slash commands on /v1/chat/slack, signing secret \(slackSecret)
          demo-teams            Teams outgoing webhook on /v1/chat/teams, security token \(teamsToken)
          demo-mattermost       Mattermost slash command on /v1/chat/mattermost, token \(mattermostToken)
          (each acts for the person demo-user: Slack user T0DEMO/U0DEMO)

        Paste these into another shell:

          export DEMO_SECRET='\(webhookSecret)'
          BODY='{"command":"enable credential 42 for ticket CHG0012345 for 2h","requested_by":"alice"}'
          curl -sS http://127.0.0.1:\(port)/v1/actions -H 'Content-Type: application/json' \\
            $(printf '%s' "$BODY" | \(executable) sign --secret-env DEMO_SECRET --format curl) -d "$BODY"

          curl -sS http://127.0.0.1:\(port)/v1/actions -H 'Content-Type: application/json' \\
            -H 'Authorization: Bearer \(staticToken)' \\
            -d '{"action":"disable","target":{"kind":"credential","id":42},"ticket":"CHG0012345","requested_by":"jira"}'

          export DEMO_SLACK_SECRET='\(slackSecret)'
          FORM='team_id=T0DEMO&user_id=U0DEMO&command=%2Fsegura&text=grants&trigger_id=1.2.demo&response_url=http%3A%2F%2F127.0.0.1%2Freply'
          curl -sS http://127.0.0.1:\(port)/v1/chat/slack -H 'Content-Type: application/x-www-form-urlencoded' \\
            $(printf '%s' "$FORM" | \(executable) sign --scheme slack-v0 --secret-env DEMO_SLACK_SECRET --format curl) -d "$FORM"

          curl -sS http://127.0.0.1:\(port)/v1/actions -H 'Content-Type: application/json' -d "$BODY"   # unsigned: 401
          curl -sS 'http://127.0.0.1:\(port)/v1/grants?state=all' \\
            $(\(executable) sign --secret-env DEMO_SECRET --request 'GET /v1/grants?state=all' --format curl)

          # Credential 900 waits for approval: 202 pending_approval, then demo-approver approves for bob and it runs.
          HELD='{"command":"enable credential 900 for ticket CHG0012345 for 1h","requested_by":"alice"}'
          APPROVAL=$(curl -sS http://127.0.0.1:\(port)/v1/actions -H 'Content-Type: application/json' \
            $(printf '%s' "$HELD" | \(executable) sign --secret-env DEMO_SECRET --format curl) -d "$HELD" | grep -o 'apr_[0-9a-f]*' | head -n 1)
          export DEMO_APPROVER_SECRET='\(approverSecret)'
          DECISION='{"decision":"approve","approver":"bob"}'
          curl -sS http://127.0.0.1:\(port)/v1/approvals/$APPROVAL -H 'Content-Type: application/json' \
            $(printf '%s' "$DECISION" | \(executable) sign --secret-env DEMO_APPROVER_SECRET --request "POST /v1/approvals/$APPROVAL" --body-file - --format curl) -d "$DECISION"

          curl -sS http://127.0.0.1:\(port)/readyz
          curl -sS http://127.0.0.1:\(port)/metrics
        \(audit)
        Simulated objects: credentials 41 (active), 42 (inactive), 43 (no access), 44 (wrong kind); passwords 10, 11;
        devices 20, 21; SSH keys 30, 31. Press Ctrl-C to stop.
        """
    }
}
