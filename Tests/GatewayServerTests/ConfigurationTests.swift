import Foundation
import GatewayAPI
import GatewayPostgresStore
import GatewaySecurity
@testable import GatewayServer
import GatewayVocabulary
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SeguraClient
import SeguraSimulator
import Testing

/// The configuration file: a valid one loads, and every problem is reported with its key path.
@Suite
struct ConfigurationTests {
    private func write(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let valid = """
        http:
          port: 9090
        segura:
          base_url: https://segura.example.com
          client_id: gateway
          client_secret: env:SEGURA_SECRET
          api_prefix: /iso
        callers:
          servicenow:
            scheme: standard-webhooks
            secrets: [env:SN_SECRET, file:SECRET_FILE]
            policy:
              actions: [enable, disable]
              kinds: [credential]
              ids:
                credential: ["40-49", "100"]
              ticket_pattern: "CHG[0-9]{7}"
              max_duration: PT8H
          jira:
            scheme: static-token
            token_header: X-Gateway-Token
            secrets: [env:JIRA_TOKEN]
            policy:
              actions: [disable]
              kinds: [credential, password]
        """

    @Test func aValidFileLoadsWithSecretsFromTheEnvironmentAndFiles() async throws {
        let secretFile = try self.write("whsec_" + Data(repeating: 3, count: 32).base64EncodedString() + "\n")
        let path = try self.write(Self.valid.replacingOccurrences(of: "SECRET_FILE", with: secretFile))
        let configuration = try await GatewayConfigurationLoader.load(path: path, environment: [
            "SEGURA_SECRET": "s3cr3t",
            "SN_SECRET": "whsec_" + Data(repeating: 4, count: 32).base64EncodedString(),
            "JIRA_TOKEN": "a-long-enough-static-token",
            "HTTP_HOST": "0.0.0.0",
        ])
        #expect(configuration.http.port == 9090)
        #expect(configuration.http.host == "0.0.0.0", "environment variables override the file")
        #expect(configuration.segura.clientSecret == "s3cr3t")
        #expect(configuration.segura.apiPrefix == "/iso")
        #expect(configuration.callers.map(\.name) == ["servicenow", "jira"])
        #expect(configuration.callers[0].policy.allowedIDs[.credential] == [40...49, 100...100])
        #expect(configuration.callers[0].policy.maxDuration == .seconds(8 * 3600))
        #expect(configuration.callers[1].verifier.scheme == .staticToken)
    }

    /// A Teams caller's secret is the security token as Teams shows it (base64), checked when the file loads.
    @Test func aTeamsCallerLoadsWithItsBase64Token() async throws {
        let path = try self.write(
            """
            segura:
              base_url: https://segura.example.com
              client_id: gateway
              client_secret: env:SEGURA_SECRET
            callers:
              teams:
                scheme: teams-hmac
                secrets: [env:TEAMS_TOKEN]
                policy:
                  actions: [enable]
                  kinds: [credential]
            """)
        let token = Data(repeating: 7, count: 32).base64EncodedString()
        let configuration = try await GatewayConfigurationLoader.load(path: path, environment: ["SEGURA_SECRET": "s", "TEAMS_TOKEN": token])
        #expect(configuration.callers.map(\.verifier.scheme) == [.teamsHMAC])
        let error = try await #require(throws: ConfigurationError.self) {
            _ = try await GatewayConfigurationLoader.load(path: path, environment: ["SEGURA_SECRET": "s", "TEAMS_TOKEN": "not base64, but long enough"])
        }
        #expect(error.issues.contains { $0.keyPath == "callers.teams.secrets[0]" && $0.message.contains("invalid_base64") })
    }

    @Test(arguments: ["https://svc:hunter2@segura.example.com", "https://segura.example.com?token=hunter2", "https://segura.example.com#hunter2"])
    func aBaseURLWithCredentialsAQueryOrAFragmentIsRefusedWithoutBeingEchoed(_ baseURL: String) async throws {
        let path = try self.write("segura:\n  base_url: \(baseURL)\n  client_id: a\n  client_secret: env:S\n")
        let error = try await #require(throws: ConfigurationError.self) {
            _ = try await GatewayConfigurationLoader.load(path: path, environment: ["S": "s"])
        }
        #expect(error.issues.contains { $0.keyPath == "segura.base_url" })
        #expect(!error.description.contains("hunter2"))
    }

    @Test func everyProblemIsExplainedWithItsKeyPath() async throws {
        let path = try self.write("""
            http:
              port: 99999
            segura:
              base_url: segura.example.com/api
              client_secret: hunter2
            callers:
              servicenow:
                scheme: hmac-md5
                secrets: [env:MISSING_VARIABLE]
                policy:
                  actions: [enable, explode]
                  ids:
                    credential: ["x-y"]
                  ticket_pattern: "(["
                  max_duration: 2 hours
            """)
        let error = try await #require(throws: ConfigurationError.self) {
            _ = try await GatewayConfigurationLoader.load(path: path, environment: [:])
        }
        let paths = Set(error.issues.map(\.keyPath))
        for expected in [
            "http.port", "segura.base_url", "segura.client_id", "segura.client_secret", "callers.servicenow.scheme",
            "callers.servicenow.secrets[0]", "callers.servicenow.policy.actions[1]", "callers.servicenow.policy.kinds",
            "callers.servicenow.policy.ids.credential[0]", "callers.servicenow.policy.max_duration", "callers.servicenow.policy.ticket_pattern",
        ] {
            #expect(paths.contains(expected), "\(expected) is reported")
        }
        #expect(!error.description.contains("hunter2"), "an inline secret is refused without being echoed")
        #expect(error.issues.first { $0.keyPath == "segura.client_secret" }?.message.contains("env:NAME or file:/path") == true)
    }

    @Test func anEnvironmentVariableNamedLikeTheKeyIsTheSecretItself() async throws {
        // SEGURA_CLIENT_SECRET is both what the example file references and the key's override variable.
        let path = try self.write(Self.valid.replacingOccurrences(of: "env:SEGURA_SECRET", with: "env:SEGURA_CLIENT_SECRET")
            .replacingOccurrences(of: ", file:SECRET_FILE", with: ""))
        let configuration = try await GatewayConfigurationLoader.load(path: path, environment: [
            "SEGURA_CLIENT_SECRET": "from-the-environment",
            "SN_SECRET": "whsec_" + Data(repeating: 4, count: 32).base64EncodedString(),
            "JIRA_TOKEN": "a-long-enough-static-token",
        ])
        #expect(configuration.segura.clientSecret == "from-the-environment")
    }

    @Test func aStaleClaimTimeoutMustExceedTheSeguraDeadline() async throws {
        let environment = ["SEGURA_SECRET": "s3cr3t", "SN_SECRET": "whsec_" + Data(repeating: 4, count: 32).base64EncodedString(), "JIRA_TOKEN": "a-long-enough-static-token"]
        let file = { (seconds: Int) in
            try self.write(Self.valid.replacingOccurrences(of: ", file:SECRET_FILE", with: "") + "\nstore:\n  stale_claim_seconds: \(seconds)\n")
        }
        let error = try await #require(throws: ConfigurationError.self) {
            _ = try await GatewayConfigurationLoader.load(path: try file(30), environment: environment)
        }
        #expect(error.issues.map(\.keyPath) == ["store.stale_claim_seconds"])
        #expect(error.issues.first?.message.contains("segura.deadline_seconds (30)") == true)
        #expect(try await GatewayConfigurationLoader.load(path: try file(45), environment: environment).staleClaimAfter == .seconds(45))
    }

    /// `store.postgres`: the URL is read with libpq's meanings, the password only from a reference, and the
    /// mistakes that would weaken a deployment (a password in the URL, an unknown sslmode, replicas sharing an
    /// instance id) are refused with their key.
    @Test func aPostgresStoreLoadsAndItsProblemsNameTheirKeys() async throws {
        let environment = [
            "SEGURA_SECRET": "s3cr3t", "SN_SECRET": "whsec_" + Data(repeating: 4, count: 32).base64EncodedString(),
            "JIRA_TOKEN": "a-long-enough-static-token", "PG_PASSWORD": "pg-secret",
        ]
        let file = { (store: String, grants: String) in
            try self.write(Self.valid.replacingOccurrences(of: ", file:SECRET_FILE", with: "") + "\nstore:\n  postgres:\n\(store)\ngrants:\n\(grants)\n")
        }
        let configuration = try await GatewayConfigurationLoader.load(
            path: try file("    url: postgres://gateway@db.example.com:6432/segura?sslrootcert=/etc/ssl/certs/ca-certificates.crt\n    password: env:PG_PASSWORD\n    max_connections: 7", "  instance_id: gw-a"),
            environment: environment
        )
        let postgres = try #require(configuration.postgres)
        #expect(postgres.host == "db.example.com" && postgres.port == 6432 && postgres.username == "gateway" && postgres.database == "segura")
        #expect(postgres.password == "pg-secret")
        #expect(postgres.tls == .verifyFull, "verify-full unless sslmode says otherwise")
        #expect(postgres.maximumConnections == 7)
        #expect(configuration.storeDescription == "PostgreSQL postgres://gateway@db.example.com:6432/segura?sslmode=verify-full")

        let problems: [(store: String, grants: String, key: String, says: String)] = [
            ("    url: postgres://gateway:hunter2@db/segura", "  instance_id: a", "store.postgres.url", "must not contain a password"),
            ("    url: postgres://gateway@db/segura?sslmode=allow-all", "  instance_id: a", "store.postgres.url", "sslmode must be one of"),
            ("    url: mysql://gateway@db/segura", "  instance_id: a", "store.postgres.url", "postgres:// URL"),
            ("    url: postgres://gateway@db/segura\n    password: hunter2", "  instance_id: a", "store.postgres.password", "must be a reference"),
            ("    url: postgres://gateway@db/segura", "  poll_interval_ms: 250", "grants.instance_id", "must differ per replica"),
        ]
        for problem in problems {
            let error = try await #require(throws: ConfigurationError.self) {
                _ = try await GatewayConfigurationLoader.load(path: try file(problem.store, problem.grants), environment: environment)
            }
            #expect(error.issues.map(\.keyPath) == [problem.key], "\(problem.store)")
            #expect(error.issues.first?.message.contains(problem.says) == true, "\(error)")
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func grantSettingsAndCallbacksLoadAndTheirProblemsNameTheirKeys() async throws {
        let environment = [
            "SEGURA_SECRET": "s3cr3t", "SN_SECRET": "whsec_" + Data(repeating: 4, count: 32).base64EncodedString(),
            "JIRA_TOKEN": "a-long-enough-static-token", "HOOK_SECRET": "whsec_" + Data(repeating: 5, count: 32).base64EncodedString(),
        ]
        let base = Self.valid.replacingOccurrences(of: ", file:SECRET_FILE", with: "")
        let callback = { (url: String, secret: String) in
            base.replacingOccurrences(of: "      max_duration: PT8H\n", with: "      max_duration: PT8H\n    callback:\n      url: \(url)\n      secret: \(secret)\n")
        }
        let good = try self.write(
            callback("https://hooks.example.com/segura", "env:HOOK_SECRET")
                + "\ngrants:\n  instance_id: gw-1\n  revocation_concurrency: 4\n  poll_interval_ms: 100\n  retry_initial_seconds: 5\n"
        )
        let configuration = try await GatewayConfigurationLoader.load(path: good, environment: environment)
        #expect(configuration.callers[0].callback?.url == "https://hooks.example.com/segura")
        #expect(configuration.callers[1].callback == nil)
        #expect(configuration.grants.instanceID == "gw-1")
        #expect(configuration.grants.revocationConcurrency == 4)
        #expect(configuration.grants.pollInterval == .milliseconds(100))
        #expect(configuration.grants.retryInitial == .seconds(5))

        let bad = try self.write(callback("hooks.example.com", "env:SN_SECRET_MISSING") + "\ngrants:\n  retry_initial_seconds: 600\n  retry_max_seconds: 60\n")
        let error = try await #require(throws: ConfigurationError.self) {
            _ = try await GatewayConfigurationLoader.load(path: bad, environment: environment)
        }
        #expect(Set(error.issues.map(\.keyPath)) == ["callers.servicenow.callback.url", "grants.retry_initial_seconds"])
        let badSecret = try self.write(callback("https://hooks.example.com/segura", "env:JIRA_TOKEN"))
        let secretError = try await #require(throws: ConfigurationError.self) {
            _ = try await GatewayConfigurationLoader.load(path: badSecret, environment: environment)
        }
        #expect(secretError.issues.map(\.keyPath) == ["callers.servicenow.callback.secret"])
        #expect(!secretError.description.contains("a-long-enough-static-token"))
    }

    @Test func aFileWithoutCallersIsRefused() async throws {
        let path = try self.write("segura:\n  base_url: http://127.0.0.1:1\n  client_id: a\n  client_secret: env:S\n")
        let error = try await #require(throws: ConfigurationError.self) {
            _ = try await GatewayConfigurationLoader.load(path: path, environment: ["S": "x"])
        }
        #expect(error.issues.map(\.keyPath) == ["callers"])
    }
}
