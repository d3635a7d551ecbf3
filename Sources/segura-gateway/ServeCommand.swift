import ArgumentParser
import Foundation
import GatewaySecurity
import GatewayServer
import GatewayVocabulary
import Hummingbird
import Logging
import SeguraClient

/// `segura-gateway serve --config FILE`: run the gateway.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the gateway with a configuration file.")

    @Option(name: .shortAndLong, help: "The YAML configuration file.")
    var config: String

    func run() async throws {
        let configuration = try await loadOrExplain(self.config)
        bootstrapLogging(level: configuration.logLevel)
        let logger = Logger(label: "segura.gateway")
        let app = try await buildApplication(configuration: configuration, logger: logger)
        try await app.runService()
    }
}

/// `segura-gateway check-config FILE`: validate a configuration and explain every problem.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; print every problem with its key path."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() async throws {
        let configuration = try await loadOrExplain(self.file)
        print("\(self.file): OK")
        let http = configuration.http
        print("  listen: \(http.host):\(http.port), body limit \(http.maxBodyBytes) bytes")
        print(
            "  limits: \(http.maxConnections) connections, idle \(seconds(http.idleTimeout)), head \(seconds(http.headerTimeout)), "
                + "body \(seconds(http.bodyTimeout)), \(http.maxRequestsInFlight) signed requests in flight"
        )
        if let operations = configuration.operations {
            print("  ops: \(operations.host):\(operations.port) (/healthz, /readyz, /metrics; /metrics not on the main listener)")
        } else {
            print("  ops: /healthz, /readyz and /metrics on the main listener (set ops.port to serve them apart)")
        }
        let segura = configuration.segura
        print("  segura: \(segura.baseURL) (API prefix \(segura.apiPrefix), token \(segura.tokenPath)), deadline \(seconds(segura.retry.deadline)), at most \(segura.retry.maxAttempts) attempts")
        print(
            "  store: \(configuration.storeDescription), delivery ids kept \(seconds(configuration.deliveryExpiry)), unanswered claims taken over after \(seconds(configuration.staleClaimAfter)) (renewed every \(seconds(configuration.claimRenewal)) while queued), purge every \(seconds(configuration.purgeInterval))"
        )
        let grants = configuration.grants
        print(
            "  grants: \(grants.revocationConcurrency) revocations at once, retries from \(seconds(grants.retryInitial)) doubling to \(seconds(grants.retryMaximum)), revoke_failed after \(grants.maximumRevokeAttempts) attempts; callbacks \(grants.callbackAttempts) attempts"
        )
        for caller in configuration.callers {
            // The callback's host only: a URL may carry a token in its query.
            let callback = caller.callback.flatMap { URL(string: $0.url)?.host }.map { ", callbacks to \($0)" } ?? ""
            let maximum = caller.policy.maxDuration.map { ", grants up to \(seconds($0))" } ?? ""
            print(
                "  caller \(caller.name): \(caller.verifier.scheme.rawValue), actions \(caller.policy.allowedActions.map(\.rawValue).sorted()), kinds \(caller.policy.allowedKinds.map(\.rawValue).sorted())\(maximum)\(callback)\(caller.rateLimit.map { ", at most \($0.requestsPerMinute)/min (burst \($0.burst))" } ?? "")"
            )
            if let warning = caller.policy.ticketPatternWarning {
                print("    warning: ticket_pattern \(warning)")
            }
            if let chat = caller.chat {
                // Hosts only: a reply prefix or a Teams webhook URL may carry a token.
                var replies = chat.platform == .teams ? "incoming webhook set" : "replies to \(chat.replyURLPrefixes.compactMap { URL(string: $0)?.host }.joined(separator: ", "))"
                if chat.platform == .mattermost {
                    replies += chat.triggerIDs == nil ? ", user ids vouched for by the token alone (set signing_public_key)" : ", trigger_id signatures checked"
                }
                let people = chat.people.values.map { $0.policy == nil ? $0.name : "\($0.name) (own policy)" }.sorted()
                print(
                    "    chat: \(chat.platform.rawValue) on \(chat.platform.path), answers within \(seconds(chat.inlineWait)) else follows up, \(replies); people \(people)"
                )
                if chat.approvalChannel != nil {
                    print("    approval channel: set; requests waiting for approval are posted there")
                }
            }
            if let rule = caller.approval {
                print("    approval: \(self.describe(rule))")
            }
            for person in caller.chat?.people.values.sorted(by: { $0.name < $1.name }) ?? [] {
                if let rule = person.approval { print("    approval for \(person.name): \(self.describe(rule))") }
            }
        }
    }

    /// Which requests wait, for whom, and for how long.
    private func describe(_ rule: ApprovalRule) -> String {
        var matching = [rule.actions.map { "actions \($0.map(\.rawValue).sorted())" }, rule.kinds.map { "kinds \($0.map(\.rawValue).sorted())" }].compactMap { $0 }
        if rule.ids != nil { matching.append("listed ids") }
        if let over = rule.durationOver { matching.append("longer than \(seconds(over))") }
        let approvers = rule.approvers.sorted() + rule.approverCallers.sorted().map { "caller \($0)" }
        return "\(matching.isEmpty ? "every request" : matching.joined(separator: ", ")) waits for \(rule.requiredApprovals) of \(approvers), expires after \(seconds(rule.expiresAfter))"
    }

    /// `90 s`, or `1.5 s` for a duration that is not whole seconds.
    private func seconds(_ duration: Duration) -> String {
        let (whole, fraction) = duration.components
        return fraction == 0 ? "\(whole) s" : "\(Double(whole) + Double(fraction) / 1e18) s"
    }
}

/// Loads a configuration, or prints every problem to standard error and exits with status 2.
func loadOrExplain(_ path: String) async throws -> GatewayConfiguration {
    do {
        return try await GatewayConfigurationLoader.load(path: path)
    } catch let error as ConfigurationError {
        printToStandardError("\(path): \(error)")
        throw ExitCode(2)
    }
}

/// Sends logs to standard error as JSON lines, at `level`. Called once, here in the executable only.
func bootstrapLogging(level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        var handler = JSONLogHandler(label: label)
        handler.logLevel = level
        return handler
    }
}
