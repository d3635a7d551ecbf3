import Foundation
import GatewayAPI
import GatewaySecurity
import GatewayVocabulary
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SeguraSimulator
import Testing
import TestSupport

@testable import GatewayServer

/// `/v1/approvals` over loopback against the simulator: `servicenow`'s enables of credentials 40–49 wait for an
/// approval that only the caller `restricted` may give, naming its approver. The simulator's call count shows
/// whether Segura was asked: never before the approval, exactly once after it.
@Suite("Approvals through the API")
struct ApprovalAPITests {
    /// The store the gateway runs on: a SQLite file, or a fresh database on the server `SEGURA_TEST_POSTGRES_URL`
    /// names.
    enum Backend: CaseIterable, Sendable {
        case sqlite, postgres
    }

    @Test(arguments: Backend.allCases)
    func anApprovedRequestRunsOnceAndItsResultIsStored(_ backend: Backend) async throws {
        try await withApprovalGateway(backend) { gateway in
            let approval = try await hold(on: gateway)
            #expect(gateway.simulator.stats.apiCalls == 0, "a held request reaches Segura only once approved")
            #expect(try await read(approval.id, on: gateway).state == .pending)

            let approved = try await gateway.decide(approval.id, "approve", approver: "bob")
            #expect(approved.status == .ok)
            let decided = try decode(Components.Schemas.Approval.self, approved)
            #expect(decided.state == .approved || decided.state == .executed)

            let executed = try await eventually("the approved request runs") {
                let current = try await read(approval.id, on: gateway)
                return current.state == .executed ? current : nil
            }
            let executionID = try #require(executed.executionRequestId)
            #expect(gateway.simulator.stats.apiCalls == 1)
            let stored = try await gateway.get("/v1/actions/\(executionID)")
            #expect(stored.status == .ok)
            #expect(try decode(Components.Schemas.ActionResult.self, stored).outcome == .applied)
        }
    }

    @Test(arguments: Backend.allCases)
    func aCallerThatMayNotDecideNeitherSeesNorDecides(_ backend: Backend) async throws {
        try await withApprovalGateway(backend) { gateway in
            let approval = try await hold(on: gateway)
            let hidden = try await gateway.get("/v1/approvals/\(approval.id)", as: .slack)
            #expect(hidden.status == .notFound)
            #expect(try expectConforms(hidden).error?.code == .approvalNotFound)
            let refused = try await gateway.decide(approval.id, "approve", approver: "bob", as: .slack)
            #expect([.notFound, .forbidden].contains(refused.status))
            try expectConforms(refused)
            let listed = try await gateway.get("/v1/approvals", as: .slack)
            #expect(try decode(Components.Schemas.ApprovalList.self, listed).approvals.isEmpty)
            #expect(try await read(approval.id, on: gateway).state == .pending)
        }
    }

    @Test(arguments: Backend.allCases)
    func theRequesterCannotApproveTheirOwnRequest(_ backend: Backend) async throws {
        try await withApprovalGateway(backend) { gateway in
            let approval = try await hold(on: gateway)
            let refused = try await gateway.decide(approval.id, "approve", approver: "alice")
            #expect(refused.status == .forbidden)
            #expect(try expectConforms(refused).error?.code == .requesterCannotApprove)
            #expect(try await read(approval.id, on: gateway).state == .pending)
        }
    }

    @Test(arguments: Backend.allCases)
    func aSecondDecisionConflicts(_ backend: Backend) async throws {
        try await withApprovalGateway(backend, required: 2) { gateway in
            let approval = try await hold(on: gateway)
            let first = try await gateway.decide(approval.id, "approve", approver: "bob")
            #expect(try decode(Components.Schemas.Approval.self, first).state == .pending, "one of two approvals")
            let again = try await gateway.decide(approval.id, "approve", approver: "bob")
            #expect(again.status == .conflict)
            #expect(try expectConforms(again).error?.code == .approvalAlreadyGiven)
            // One caller's secret is one approver, whoever it names.
            let sameCaller = try await gateway.decide(approval.id, "approve", approver: "carol")
            #expect(sameCaller.status == .conflict)
            #expect(try expectConforms(sameCaller).error?.code == .approvalAlreadyGiven)
            let second = try await gateway.decide(approval.id, "approve", approver: "carol", as: .slack)
            #expect(try decode(Components.Schemas.Approval.self, second).state != .pending)
            let late = try await gateway.decide(approval.id, "deny", approver: "dave")
            #expect(late.status == .conflict)
            #expect(try expectConforms(late).error?.code == .approvalDecided)
        }
    }

    @Test(arguments: Backend.allCases)
    func aDeniedRequestNeverRuns(_ backend: Backend) async throws {
        try await withApprovalGateway(backend) { gateway in
            let approval = try await hold(on: gateway)
            let denied = try await gateway.decide(approval.id, "deny", approver: "bob")
            #expect(denied.status == .ok)
            #expect(try decode(Components.Schemas.Approval.self, denied).state == .denied)
            #expect(try await read(approval.id, on: gateway).state == .denied)
            #expect(gateway.simulator.stats.apiCalls == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func anUndecidedRequestExpiresAndNeverRuns(_ backend: Backend) async throws {
        try await withApprovalGateway(backend, expiresAfter: .seconds(1)) { gateway in
            let approval = try await hold(on: gateway)
            try await eventually("the request expires") {
                try await read(approval.id, on: gateway).state == .expired ? true : nil
            }
            let late = try await gateway.decide(approval.id, "approve", approver: "bob")
            #expect(late.status == .conflict)
            #expect(gateway.simulator.stats.apiCalls == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentApprovalsRunTheRequestOnce(_ backend: Backend) async throws {
        try await withApprovalGateway(backend) { gateway in
            let approval = try await hold(on: gateway)
            let path = "/v1/approvals/\(approval.id)"
            async let bob = gateway.raw("POST", path, body: #"{"decision":"approve","approver":"bob"}"#, as: .restricted)
            async let carol = gateway.raw("POST", path, body: #"{"decision":"approve","approver":"carol"}"#, as: .restricted)
            let statuses = try await [bob.status, carol.status].sorted()
            #expect(statuses == [200, 409])
            try await eventually("the approved request runs") {
                try await read(approval.id, on: gateway).state == .executed ? true : nil
            }
            #expect(gateway.simulator.stats.apiCalls == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func theListFiltersByState(_ backend: Backend) async throws {
        try await withApprovalGateway(backend) { gateway in
            let pending = try await hold(on: gateway)
            let denied = try await hold(on: gateway, id: 41)
            #expect(try await gateway.decide(denied.id, "deny", approver: "bob").status == .ok)
            for caller in [TestCaller.servicenow, .restricted] {
                let listed = try await gateway.get("/v1/approvals?state=pending", as: caller)
                #expect(listed.status == .ok)
                #expect(try decode(Components.Schemas.ApprovalList.self, listed).approvals.map(\.id) == [pending.id])
            }
            let all = try decode(Components.Schemas.ApprovalList.self, try await gateway.get("/v1/approvals"))
            #expect(all.approvals.map(\.id) == [denied.id, pending.id], "newest first")
            let outOfRange = try await gateway.get("/v1/approvals?limit=501")
            #expect(outOfRange.status == .unprocessableContent)
            #expect(try expectConforms(outOfRange).error?.code == .invalidRequest)
        }
    }

    /// Also shows that refused decisions are on the audit trail, under the approval id.
    @Test func anUnknownIDAndABadBodyAreProblems() async throws {
        try await withApprovalGateway(.sqlite) { gateway in
            let unknown = "apr_" + String(repeating: "0", count: 32)
            #expect(try expectConforms(try await gateway.get("/v1/approvals/\(unknown)")).error?.code == .approvalNotFound)
            #expect(try expectConforms(try await gateway.decide(unknown, "approve", approver: "bob")).error?.code == .approvalNotFound)
            let approval = try await hold(on: gateway)
            let empty = try await gateway.decide(approval.id, "approve", approver: "")
            #expect(empty.status == .unprocessableContent)
            #expect(try expectConforms(empty).error?.code == .invalidRequest)
            let unlisted = try await gateway.raw("POST", "/v1/approvals/\(approval.id)", body: #"{"decision":"maybe","approver":"bob"}"#, as: .restricted)
            #expect(unlisted.status == 422)
            #expect(try await gateway.decide(approval.id, "approve", approver: "alice").status == .forbidden)
            #expect(try await read(approval.id, on: gateway).state == .pending)
            let decisions = try await gateway.grantDecisions(approval.id)
            #expect(decisions == ["approval_requested", "rejected_input", "rejected_policy"])
        }
    }
}

/// Runs `body` against a gateway on `backend` where `servicenow`'s enables of credentials 40–49 wait for
/// `required` approvals from the caller `restricted`, for `expiresAfter`.
private func withApprovalGateway(
    _ backend: ApprovalAPITests.Backend, required: Int = 1, expiresAfter: Duration = .seconds(900), _ body: @Sendable (GatewayUnderTest) async throws -> Void
) async throws {
    // Each approving caller is one approver, so two approvals need a second approving caller.
    let approvers = required > 1 ? [TestCaller.restricted.rawValue, TestCaller.slack.rawValue] : [TestCaller.restricted.rawValue]
    let rule = try ApprovalRule(
        actions: [.enable], kinds: [.credential], ids: [.credential: [40...49]], approvers: [], approverCallers: Set(approvers),
        requiredApprovals: required, expiresAfter: expiresAfter
    )
    let holdServicenow = { (configuration: inout GatewayConfiguration) in
        for index in configuration.callers.indices where configuration.callers[index].name == TestCaller.servicenow.rawValue {
            configuration.callers[index].approval = rule
        }
    }
    switch backend {
    case .sqlite:
        try await withGateway(configure: holdServicenow, body)
    case .postgres:
        try await PostgresTestDatabase.withFresh { database in
            try await withGateway(configure: { configuration in
                holdServicenow(&configuration)
                configuration.postgres = database.configuration
            }, body)
        }
    }
}

/// Asks, as `servicenow`, to enable credential `id`, and returns the request held for approval from the 202 answer.
private func hold(on gateway: GatewayUnderTest, id: Int = 42) async throws -> Components.Schemas.Approval {
    let response = try await gateway.post(structured(id: id, duration: "PT1H"))
    #expect(response.status == .accepted)
    let result = try decode(Components.Schemas.ActionResult.self, response)
    #expect(result.outcome == .pendingApproval)
    return try #require(result.approval)
}

/// `GET /v1/approvals/{id}` as `servicenow`, the requester.
private func read(_ id: String, on gateway: GatewayUnderTest) async throws -> Components.Schemas.Approval {
    let response = try await gateway.get("/v1/approvals/\(id)")
    #expect(response.status == .ok)
    return try decode(Components.Schemas.Approval.self, response)
}

private func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONDecoder().decode(type, from: Data(Array(buffer: response.body)))
}
