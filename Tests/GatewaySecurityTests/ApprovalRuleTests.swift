import GatewaySecurity
import GatewayVocabulary
import Testing

/// Which requests wait for a second person, and who that may be.
@Suite("Approval rules")
struct ApprovalRuleTests {
    @Test("a request needs approval when it matches every filter that is set")
    func matching() throws {
        let rule = try ApprovalRule(actions: [.enable], kinds: [.credential], ids: [.credential: [40...49]], durationOver: .seconds(3600), approvers: ["bob"])
        #expect(rule.requiresApproval(action: .enable, kind: .credential, id: 42, duration: .seconds(7200)))
        #expect(rule.requiresApproval(action: .enable, kind: .credential, id: 42, duration: nil), "access with no end is longer than any threshold")
        #expect(!rule.requiresApproval(action: .enable, kind: .credential, id: 42, duration: .seconds(3600)))
        #expect(!rule.requiresApproval(action: .disable, kind: .credential, id: 42, duration: .seconds(7200)))
        #expect(!rule.requiresApproval(action: .enable, kind: .password, id: 42, duration: .seconds(7200)))
        #expect(!rule.requiresApproval(action: .enable, kind: .credential, id: 50, duration: .seconds(7200)))
        let everything = try ApprovalRule(approvers: ["bob"])
        #expect(everything.requiresApproval(action: .disable, kind: .sshKey, id: 1, duration: nil))
    }

    @Test("the requester never approves their own request, and only listed approvers approve")
    func approvers() throws {
        let rule = try ApprovalRule(approvers: ["alice", "bob"])
        #expect(rule.allows(approver: "bob", forRequestOf: "alice"))
        #expect(!rule.allows(approver: "alice", forRequestOf: "alice"))
        #expect(!rule.allows(approver: "mallory", forRequestOf: "alice"))
    }

    @Test(
        "a rule no request could satisfy is refused at configuration",
        arguments: [
            ([], [], 1, 900),
            (["bob"], [], 2, 900),
            (["bob"], [], 0, 900),
            (["bob"], [], 1, 0),
        ] as [([String], [String], Int, Int)]
    )
    func invalid(approvers: [String], callers: [String], required: Int, seconds: Int) {
        #expect(throws: PolicyConfigurationError.invalidApprovalRule) {
            try ApprovalRule(approvers: Set(approvers), approverCallers: Set(callers), requiredApprovals: required, expiresAfter: .seconds(seconds))
        }
    }
}
