import Foundation
import Testing

@testable import SeguraSimulator

@Suite("Configuration")
struct ConfigurationTests {
    private func validationError(_ configure: (inout SimulatorConfiguration) -> Void) -> SimulatorError? {
        var configuration = SimulatorConfiguration()
        configure(&configuration)
        do {
            try configuration.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test("the defaults and the demo seed are valid")
    func defaults() {
        #expect(self.validationError { _ in } == nil)
        let kinds = Set(SimulatedObject.demoSeed.map(\.kind))
        #expect(kinds == Set(ObjectKind.allCases))
    }

    @Test(
        "states the reference does not document for a kind are refused",
        arguments: [
            (ObjectKind.device, ObjectState.noAccess), (.device, .wrongKind), (.password, .wrongKind),
        ]
    )
    func unsupportedStates(_ kind: ObjectKind, _ state: ObjectState) {
        let error = self.validationError { $0.objects = [SimulatedObject(kind: kind, id: 1, state: state)] }
        #expect(error == .unsupportedState(kind, state))
        var engine = SimulatorEngine(configuration: SimulatorConfiguration())
        #expect(throws: SimulatorError.unsupportedState(kind, state)) {
            try engine.setObject(kind, id: 1, state: state)
        }
    }

    @Test("invalid configurations are refused with a reason")
    func invalid() {
        #expect(
            self.validationError {
                $0.objects = [
                    SimulatedObject(kind: .device, id: 1, state: .active),
                    SimulatedObject(kind: .device, id: 1, state: .inactive),
                ]
            } == .duplicateObject(.device, id: 1)
        )
        #expect(self.validationError { $0.tokenPaths = ["oauth2/token"] } == .invalidTokenPath("oauth2/token"))
        #expect(
            self.validationError { $0.tokenPaths = ["/_simulator/token"] } == .invalidTokenPath("/_simulator/token"))
        #expect(self.validationError { $0.tokenLifetime = .zero } == .invalidTokenLifetime)
        #expect(self.validationError { $0.port = 70_000 } == .invalidPort(70_000))
        #expect(SimulatorError.invalidTokenLifetime.description.contains("positive"))
    }

    @Test("start refuses an invalid configuration and unreadable TLS files")
    func startFails() async {
        var configuration = SimulatorConfiguration()
        configuration.tokenLifetime = .seconds(-1)
        await #expect(throws: SimulatorError.invalidTokenLifetime) {
            try await SeguraSimulator.start(configuration)
        }
        configuration = SimulatorConfiguration()
        configuration.tls = TLSFiles(
            certificateChainPath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
        await #expect(throws: SimulatorError.self) {
            try await SeguraSimulator.start(configuration)
        }
    }

    @Test("SimulatedObject uses the documented spellings in JSON")
    func objectCoding() throws {
        let object = SimulatedObject(kind: .sshKey, id: 3, state: .noAccess)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = try String(decoding: encoder.encode(object), as: UTF8.self)
        #expect(encoded == #"{"id":3,"kind":"ssh_key","state":"no_access"}"#)
    }
}
