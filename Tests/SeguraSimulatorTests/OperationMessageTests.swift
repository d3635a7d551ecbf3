import Foundation
import NIOHTTP1
import Testing

@testable import SeguraSimulator

/// One row of the message table: an operation on an item in a state, and what Segura answers.
struct MessageRow: Sendable, CustomTestStringConvertible {
    var kind: ObjectKind
    var action: SimulatedAction
    var state: ObjectState?
    var status: Int
    var message: String
    var messageKey = "mensagem"
    var stateAfter: ObjectState?

    var testDescription: String {
        "\(self.action.rawValue) \(self.kind.rawValue) in state \(self.state?.rawValue ?? "missing")"
    }

    /// The numbered code of an error row, from its `NNNN:` prefix.
    var exceptionCode: Int? {
        self.status == 400 ? Int(self.message.prefix(4)) : nil
    }

    static func ok(
        _ kind: ObjectKind, _ action: SimulatedAction, _ state: ObjectState?, _ message: String,
        key: String = "mensagem", after: ObjectState?
    ) -> MessageRow {
        MessageRow(
            kind: kind, action: action, state: state, status: 200, message: message, messageKey: key, stateAfter: after)
    }

    static func error(_ kind: ObjectKind, _ action: SimulatedAction, _ state: ObjectState?, _ message: String)
        -> MessageRow
    {
        MessageRow(kind: kind, action: action, state: state, status: 400, message: message, stateAfter: state)
    }

    static let all: [MessageRow] = [
        .ok(.credential, .enable, .inactive, "Credential successfully activated", key: "Message", after: .active),
        .error(.credential, .enable, .active, "1043: Credential is already activated!"),
        .error(.credential, .enable, nil, "1007: Credential not found"),
        .error(.credential, .enable, .noAccess, "1009: No access to credential"),
        .error(.credential, .enable, .wrongKind, "1010: The item is not a credential"),
        .ok(.credential, .disable, .active, "Credential successfully deactivated", after: .inactive),
        .error(.credential, .disable, .inactive, "1008: Credential inactive"),
        .error(.credential, .disable, nil, "1007: Credential not found"),
        .error(.credential, .disable, .noAccess, "1009: No access to credential"),
        .error(.credential, .disable, .wrongKind, "1010: The item is not a credential"),

        .ok(.password, .enable, .inactive, "Password successfully activated", after: .active),
        .ok(.password, .enable, .active, "Password has already been activated", after: .active),
        .error(.password, .enable, nil, "1005: Password not found"),
        .error(.password, .enable, .noAccess, "1006: User does not have access"),
        .ok(.password, .disable, .active, "Password successfully deactivated", after: .inactive),
        .ok(.password, .disable, .inactive, "Password has already been deactivated", after: .inactive),
        .error(.password, .disable, nil, "1005: Password not found"),
        .error(.password, .disable, .noAccess, "1006: User does not have access"),

        .ok(.device, .enable, .inactive, "Device successfully activated", after: .active),
        .error(.device, .enable, .active, "1044: Device is already activated"),
        .error(.device, .enable, nil, "1011: Device not found"),
        .ok(.device, .disable, .active, "Device successfully deactivated", key: "Message", after: .inactive),
        .ok(.device, .disable, .inactive, "Device successfully deactivated", key: "Message", after: .inactive),
        .error(.device, .disable, nil, "1011: Device not found"),

        .ok(.sshKey, .enable, .inactive, "Credential successfully activated", key: "Message", after: .active),
        .error(.sshKey, .enable, .active, "1045: Key is already active"),
        .error(.sshKey, .enable, nil, "1015: SSH key not found"),
        .error(.sshKey, .enable, .noAccess, "1009: No access to credential"),
        .error(.sshKey, .enable, .wrongKind, "1016: The item is not a ssh key"),
        .ok(.sshKey, .disable, .active, "Key successfully deactivated", after: .inactive),
        .error(.sshKey, .disable, .inactive, "1017: Key inactive"),
        .error(.sshKey, .disable, nil, "1015: SSH key not found"),
        .error(.sshKey, .disable, .noAccess, "1009: No access to credential"),
        .error(.sshKey, .disable, .wrongKind, "1016: The item is not a ssh key"),
    ]
}

@Suite("Operation messages")
struct OperationMessageTests {
    @Test("every documented answer", arguments: MessageRow.all)
    func documentedAnswer(_ row: MessageRow) throws {
        var harness = EngineHarness { $0.objects = [] }
        try harness.engine.setObject(row.kind, id: 7, state: row.state)

        let response = try harness.perform(row.kind, row.action, id: 7)

        #expect(response.status.code == UInt(row.status))
        #expect(response.headers.first(name: "Via") == "kong/3.4.2")
        let envelope = try #require(try response.jsonObject())
        let inner = try response.envelopeResponse()
        #expect(envelope["code"] as? Int == row.status)
        #expect(inner["status"] as? Int == row.status)
        #expect(inner["message"] as? String == row.message)
        #expect(inner[row.messageKey] as? String == row.message)
        #expect(inner["error"] as? Bool == (row.status != 200))
        #expect(inner["erro"] as? Bool == (row.status != 200))
        #expect(inner["error_code"] as? Int == (row.status == 200 ? 0 : 1))
        #expect(inner["cod_erro"] as? Int == (row.status == 200 ? 0 : 1))
        let exception = envelope["exception"] as? [String: Any]
        #expect(exception?["code"] as? Int == row.exceptionCode)
        #expect(exception?["message"] as? String == (row.exceptionCode == nil ? nil : row.message))
        #expect(harness.engine.objectState(row.kind, id: 7) == row.stateAfter)
        let changed = row.state != row.stateAfter
        #expect(harness.engine.stats.appliedChanges == (changed ? 1 : 0))
        #expect(harness.engine.stats.apiCalls == 1)
        #expect(harness.engine.stats.callsByOperation == ["\(row.action.rawValue) \(row.kind.rawValue) 7": 1])
    }

    @Test("the enable-credential answer is byte-for-byte the documented one (seed 004)")
    func credentialEnableBytes() throws {
        var harness = EngineHarness()
        let response = try harness.perform(.credential, .enable, id: 42)
        #expect(
            response.body
                == #"{"code":200,"response":{"status":200,"message":"Credential successfully activated","error":false,"error_code":0,"detail":"","Message":"Credential successfully activated","erro":false,"cod_erro":0}}"#
        )
    }

    @Test("the enable-password answer is byte-for-byte the documented one (seed 000)")
    func passwordEnableBytes() throws {
        var harness = EngineHarness()
        let response = try harness.perform(.password, .enable, id: 10)
        #expect(
            response.body
                == #"{"code":200,"response":{"status":200,"message":"Password successfully activated","error":false,"error_code":0,"detail":"","mensagem":"Password successfully activated","erro":false,"cod_erro":0}}"#
        )
        #expect(response.headers.first(name: "Content-Type") == "application/json")
    }

    @Test("a numbered error is byte-for-byte the documented envelope (segura-api.md §4.2)")
    func errorEnvelopeBytes() throws {
        var harness = EngineHarness()
        let response = try harness.perform(.password, .enable, id: 12)
        #expect(response.status == .badRequest)
        #expect(
            response.body
                == #"{"code":400,"response":{"status":400,"message":"1006: User does not have access","error":true,"error_code":1,"detail":"","mensagem":"1006: User does not have access","erro":true,"cod_erro":1},"exception":{"code":1006,"message":"1006: User does not have access","detail":null}}"#
        )
    }

    @Test(
        "PAM operations are served under the legacy /iso prefix too",
        arguments: [ObjectKind.credential, .device, .sshKey])
    func legacyPrefix(_ kind: ObjectKind) throws {
        var harness = EngineHarness { $0.objects = [SimulatedObject(kind: kind, id: 5, state: .inactive)] }
        let enabled = try harness.perform(kind, .enable, id: 5, prefix: "/iso")
        #expect(enabled.status == .ok)
        let disabled = try harness.perform(kind, .disable, id: 5, prefix: "/iso")
        #expect(disabled.status == .ok)
        #expect(harness.engine.objectState(kind, id: 5) == .inactive)
        #expect(harness.engine.stats.appliedChanges == 2)
    }

    @Test("MySafe is not served under /iso: Segura answers Resource sub not found")
    func mySafeNotUnderIso() throws {
        var harness = EngineHarness()
        let response = try harness.perform(.password, .enable, id: 10, prefix: "/iso")
        #expect(response.status == .notFound)
        #expect(try response.envelopeResponse()["message"] as? String == "Resource sub not found")
        #expect(harness.engine.objectState(.password, id: 10) == .inactive)
        #expect(harness.engine.stats.apiCalls == 0)
    }

    @Test(
        "unknown sub-paths of known modules answer Resource sub not found",
        arguments: [
            ("PUT", "/api/pam/credential/abc"), ("DELETE", "/api/pam/credential/-1"), ("GET", "/api/pam/credential/42"),
            ("PUT", "/api/pam/credential/42/extra"), ("POST", "/api/mysafe/password/enable/10"),
            ("PUT", "/api/pam/unknown/1"), ("POST", "/iso/pam/key/1"), ("GET", "/api"),
        ]
    )
    func resourceSubNotFound(_ method: String, _ path: String) throws {
        var harness = EngineHarness()
        let token = try harness.token()
        let response = harness.response(
            SimulatorRequest(.init(rawValue: method), path, headers: ["Authorization": "Bearer \(token)"])
        )
        #expect(response.status == .notFound)
        #expect(
            response.body
                == #"{"code":404,"response":{"status":404,"message":"Resource sub not found","error":true,"error_code":1,"detail":"","mensagem":"Resource sub not found","erro":true,"cod_erro":1}}"#
        )
        #expect(response.headers.first(name: "Via") == "kong/3.4.2")
    }

    @Test("the query string is ignored when routing")
    func queryIgnored() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        let response = harness.response(
            SimulatorRequest(
                .PUT, "/api/pam/credential/42?reason=ticket-1", headers: ["Authorization": "Bearer \(token)"])
        )
        #expect(response.status == .ok)
    }

    @Test(
        "without write permission every PAM operation answers 1039",
        arguments: [ObjectKind.credential, .device, .sshKey], SimulatedAction.allCases
    )
    func writePermissionRevoked(_ kind: ObjectKind, _ action: SimulatedAction) throws {
        var harness = EngineHarness { $0.objects = [SimulatedObject(kind: kind, id: 3, state: .inactive)] }
        harness.engine.writePermission = false
        let response = try harness.perform(kind, action, id: 3)
        #expect(response.status == .badRequest)
        let exception = try #require(try response.jsonObject()?["exception"] as? [String: Any])
        #expect(exception["code"] as? Int == 1039)
        #expect(exception["message"] as? String == "1039: Without PAM Configuration Access permission")
        #expect(harness.engine.objectState(kind, id: 3) == .inactive)
    }

    @Test("without write permission MySafe still works")
    func writePermissionLeavesMySafe() throws {
        var harness = EngineHarness()
        harness.engine.writePermission = false
        let response = try harness.perform(.password, .enable, id: 10)
        #expect(response.status == .ok)
        #expect(harness.engine.objectState(.password, id: 10) == .active)
    }
}
