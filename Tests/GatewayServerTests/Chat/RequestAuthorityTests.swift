import GatewaySecurity
@testable import GatewayServer
import GatewayVocabulary
import Testing

/// A person's own policy narrows the caller's, for what they may ask and for how long a grant may run.
@Suite("Request authority")
struct RequestAuthorityTests {
    static let caller = try! CallerPolicy(allowedActions: [.enable, .disable], allowedKinds: [.credential], maxDuration: .seconds(8 * 3600))
    static let bob = GatewayConfiguration.ChatPerson(
        name: "bob", policy: try! CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], allowedIDs: [.credential: [41...41]], maxDuration: .seconds(3600))
    )

    @Test("both policies must allow a request, and the person's refusal names the person")
    func bothPolicies() {
        let enable41 = ActionRequest(action: .enable, kind: .credential, id: 41, ticket: "CHG1", duration: .seconds(1800))
        #expect(RequestAuthority.person(Self.bob).violation(of: enable41, caller: Self.caller) == nil)
        let disable41 = ActionRequest(action: .disable, kind: .credential, id: 41, ticket: "CHG1")
        let refused = RequestAuthority.person(Self.bob).violation(of: disable41, caller: Self.caller)
        #expect(refused?.code == .personNotAllowed)
        #expect(refused?.message.contains("bob may not disable objects") == true)
        let password = ActionRequest(action: .enable, kind: .password, id: 1, ticket: "CHG1", duration: .seconds(60))
        #expect(RequestAuthority.person(Self.bob).violation(of: password, caller: Self.caller)?.code == .kindNotAllowed)
        #expect(RequestAuthority.grantHolder.violation(of: disable41, caller: Self.caller) == nil)
    }

    @Test("a grant extended for a person runs at most the shorter of the two maximums")
    func maximum() {
        #expect(RequestAuthority.person(Self.bob).maximumDuration(caller: Self.caller) == .seconds(3600))
        #expect(RequestAuthority.person(.init(name: "alice")).maximumDuration(caller: Self.caller) == .seconds(8 * 3600))
        #expect(RequestAuthority.caller.maximumDuration(caller: Self.caller) == .seconds(8 * 3600))
    }
}
