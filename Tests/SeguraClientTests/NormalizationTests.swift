import CurlHTTPClient
import GatewayVocabulary
import SeguraClient
import SeguraSimulator
import Synchronization
import Testing
import TestSupport

/// Every row of ``NormalizationTable`` provoked for real: client ↔ libcurl ↔ simulator over loopback.
@Suite(.timeLimit(.minutes(3)))
struct NormalizationTests {
    /// One way to make the simulator produce the answer a table row describes.
    struct Scenario: Sendable, CustomTestStringConvertible {
        let rule: String
        let operation: SeguraOperation
        var state: ObjectState? = .inactive
        var fault: Fault? = nil
        var writePermission = true
        var clientSecret: String? = nil
        var apiPrefix: String? = nil
        var testDescription: String { "\(self.rule): \(self.operation)" }
    }

    static let scenarios: [Scenario] = [
        Scenario(rule: "password.already", operation: .init(.enable, .password, id: 10), state: .active),
        Scenario(rule: "success", operation: .init(.enable, .credential, id: 42), state: .inactive),
        Scenario(rule: "success", operation: .init(.disable, .password, id: 10), state: .active),
        Scenario(rule: "success", operation: .init(.disable, .device, id: 7), state: .active),
        Scenario(rule: "success", operation: .init(.enable, .sshKey, id: 83), state: .inactive),
        Scenario(rule: "success.not_envelope", operation: .init(.enable, .credential, id: 42), fault: .garbageBody),
        Scenario(rule: "success.envelope_error", operation: .init(.enable, .credential, id: 42), fault: .seguraError(status: 200, message: "Operation not performed")),
        Scenario(rule: "credential.enable.1043", operation: .init(.enable, .credential, id: 42), state: .active),
        Scenario(rule: "credential.disable.1008", operation: .init(.disable, .credential, id: 42), state: .inactive),
        Scenario(rule: "device.enable.1044", operation: .init(.enable, .device, id: 7), state: .active),
        Scenario(rule: "ssh_key.enable.1045", operation: .init(.enable, .sshKey, id: 83), state: .active),
        Scenario(rule: "ssh_key.disable.1017", operation: .init(.disable, .sshKey, id: 83), state: .inactive),
        Scenario(rule: "credential.1007", operation: .init(.enable, .credential, id: 42), state: nil),
        Scenario(rule: "credential.1009", operation: .init(.disable, .credential, id: 42), state: .noAccess),
        Scenario(rule: "credential.1010", operation: .init(.enable, .credential, id: 42), state: .wrongKind),
        Scenario(rule: "password.1005", operation: .init(.enable, .password, id: 10), state: nil),
        Scenario(rule: "password.1006", operation: .init(.disable, .password, id: 10), state: .noAccess),
        Scenario(rule: "device.1011", operation: .init(.enable, .device, id: 7), state: nil),
        Scenario(rule: "ssh_key.1015", operation: .init(.disable, .sshKey, id: 83), state: nil),
        Scenario(rule: "ssh_key.1009", operation: .init(.enable, .sshKey, id: 83), state: .noAccess),
        Scenario(rule: "ssh_key.1016", operation: .init(.enable, .sshKey, id: 83), state: .wrongKind),
        Scenario(rule: "pam.1039", operation: .init(.enable, .device, id: 7), writePermission: false),
        Scenario(rule: "not_authorized", operation: .init(.enable, .credential, id: 42), fault: .notAuthorized),
        Scenario(rule: "client_authentication_failed", operation: .init(.enable, .credential, id: 42), clientSecret: "wrong-secret"),
        Scenario(rule: "invalid_signature", operation: .init(.enable, .credential, id: 42), fault: .invalidSignature),
        Scenario(rule: "request_timed_out", operation: .init(.enable, .credential, id: 42), fault: .requestTimedOut),
        Scenario(rule: "resource_sub_not_found", operation: .init(.enable, .credential, id: 42), fault: .resourceSubNotFound),
        Scenario(rule: "unexpected_error", operation: .init(.enable, .credential, id: 42), fault: .unexpectedError),
        Scenario(rule: "kong.404", operation: .init(.enable, .credential, id: 42), apiPrefix: "/not-a-segura-prefix"),
        Scenario(rule: "kong.502", operation: .init(.enable, .credential, id: 42), fault: .kongBadGateway),
        Scenario(rule: "kong.503", operation: .init(.enable, .credential, id: 42), fault: .kongServiceUnavailable),
        Scenario(rule: "kong.504", operation: .init(.enable, .credential, id: 42), fault: .kongGatewayTimeout),
        Scenario(rule: "rate_limited", operation: .init(.enable, .credential, id: 42), fault: .rateLimited(retryAfterSeconds: 0)),
        Scenario(rule: "unauthorized", operation: .init(.enable, .credential, id: 42), fault: .emptyBody(status: 401)),
        Scenario(rule: "rejected", operation: .init(.enable, .credential, id: 42), fault: .seguraError(status: 400, message: "1008: Credential inactive")),
        Scenario(rule: "unrecognized", operation: .init(.enable, .credential, id: 42), fault: .emptyBody(status: 418)),
    ]

    @Test(arguments: scenarios)
    func rowIsProducedByTheSimulatorAndNormalized(_ scenario: Scenario) async throws {
        let rule = try #require(NormalizationTable.rules.first { $0.id == scenario.rule })
        let simulatorKind = ObjectKind(rawValue: scenario.operation.kind.rawValue)!
        try await withSeguraClient(configure: { configuration in
            configuration.retry = fastRetry(maxAttempts: 2)
            if let secret = scenario.clientSecret { configuration.clientSecret = secret }
            if let prefix = scenario.apiPrefix { configuration.apiPrefix = prefix }
        }) { simulator, client in
            simulator.setObject(simulatorKind, id: scenario.operation.id, state: scenario.state)
            simulator.setWritePermission(scenario.writePermission)
            if let fault = scenario.fault {
                simulator.injectFault(fault, on: .operation(), times: Int.max)
            }
            let result = try await client.perform(scenario.operation)
            #expect(result.outcome == rule.normalization.outcome || (scenario.clientSecret != nil && result.outcome == .notApplied))
            #expect(result.failure?.code == rule.normalization.code)
            #expect(result.failure?.retryable ?? false == rule.normalization.retryable)
            #expect(result.attempts >= (scenario.clientSecret == nil ? 1 : 0))
            if rule.normalization.retryable {
                #expect(simulator.stats.apiCalls == 2, "retryable rows are retried up to maxAttempts")
            }
        }
    }

    @Test func everyRowHasAScenario() {
        let covered = Set(Self.scenarios.map(\.rule))
        let rows = Set(NormalizationTable.rules.map(\.id))
        #expect(covered == rows)
        #expect(rows.count == NormalizationTable.rules.count, "row ids are unique")
    }
}
