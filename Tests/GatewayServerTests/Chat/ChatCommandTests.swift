import GatewayVocabulary
import Testing

@testable import GatewayServer

@Suite("Chat commands")
struct ChatCommandTests {
    static let grantID = "grt_0192f3a4b5c67d8e9f0a1b2c3d4e5f60"
    static let requestID = "req_0192f3a4b5c67d8e9f0a1b2c3d4e5f60"

    @Test("help, grants, revoke and status, in any case")
    func commands() throws {
        #expect(try ChatCommand.parse("help", person: "alice") == .help)
        #expect(try ChatCommand.parse("  GRANTS ", person: "alice") == .grants)
        #expect(try ChatCommand.parse("revoke \(Self.grantID)", person: "alice") == .revoke(grantID: Self.grantID))
        #expect(try ChatCommand.parse("Status \(Self.requestID)", person: "alice") == .status(requestID: Self.requestID))
    }

    @Test("an action is requested by the mapped person, whatever the text says")
    func actionIsThePersons() throws {
        guard case .action(let request) = try ChatCommand.parse("enable credential 42 for ticket CHG0012345 for 2h", person: "alice") else {
            Issue.record("not an action")
            return
        }
        #expect(request.action == .enable)
        #expect(request.id == 42)
        #expect(request.ticket == "CHG0012345")
        #expect(request.duration == .seconds(7200))
        #expect(request.requestedBy == "alice")
    }

    @Test(
        "each error names the word that is wrong",
        arguments: [
            ("", "the command is empty"),
            ("launch credential 42", "unknown command 'launch'"),
            ("grants now", "unexpected 'now' after 'grants'"),
            ("help me", "unexpected 'me' after 'help'"),
            ("revoke", "expected revoke <grant id>"),
            ("revoke grt_123", "'grt_123' is not an id"),
            ("revoke req_0192f3a4b5c67d8e9f0a1b2c3d4e5f60", "'req_0192f3a4b5c67d8e9f0a1b2c3d4e5f60' is not an id"),
            ("status \(ChatCommandTests.requestID) please", "unexpected 'please'"),
            ("enable credential forty-two for ticket CHG1", "'forty-two' is not a valid id"),
            ("enable credential 42 for ticket CHG0012345 for ever", "'ever' is not a duration"),
        ]
    )
    func errors(text: String, expected: String) {
        do {
            _ = try ChatCommand.parse(text, person: "alice")
            Issue.record("'\(text)' parsed")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.code == .invalidCommand || error.code == .invalidDuration)
        }
    }
}
