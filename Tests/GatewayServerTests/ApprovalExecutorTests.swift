import Foundation
import GatewayAPI
import GatewaySecurity
@testable import GatewayServer
import GatewayStore
import GatewayVocabulary
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SeguraSimulator
import Testing

/// The executor runs approved requests once through the pipeline and expires undecided ones, from the store alone:
/// what it finds after a restart is what it acts on. A second store handle on the gateway's SQLite file plays the
/// approvers and the process that died.
@Suite("Approval executor")
struct ApprovalExecutorTests {
    /// servicenow's enables of credentials 40–49 wait for one approval by bob or carol.
    static func requireApproval(_ configuration: inout GatewayConfiguration, expiresAfter: Duration = .seconds(900)) throws {
        let index = try #require(configuration.callers.firstIndex { $0.name == TestCaller.servicenow.rawValue })
        configuration.callers[index].approval = try ApprovalRule(
            actions: [.enable], ids: [.credential: [40...49]], approvers: ["bob", "carol"], approverCallers: [TestCaller.github.rawValue], expiresAfter: expiresAfter
        )
        configuration.grants.pollInterval = .milliseconds(50)
    }

    static func enables(_ gateway: GatewayUnderTest, id: Int = 42) -> Int {
        gateway.simulator.calls.filter { $0.operation == "enable credential \(id)" }.count
    }

    static func decisions(in store: SQLiteGatewayStore, deliveryID: String) async throws -> [String] {
        var decisions: [String] = []
        for try await record in store.auditRecords(since: nil, afterSequence: nil) where record.event.deliveryID == deliveryID {
            decisions.append(record.event.decision.rawValue)
        }
        return decisions
    }

    @Test("a held request calls nothing until approved, then runs once as a delivery whose id is the approval id")
    func heldThenRunOnce() async throws {
        try await withGateway(configure: { try Self.requireApproval(&$0) }) { gateway in
            let response = try await gateway.post(structured(duration: "PT2H"), deliveryID: "msg_held")
            #expect(response.status.code == 202)
            let held = try JSONDecoder().decode(Components.Schemas.ActionResult.self, from: Data(Array(buffer: response.body)))
            #expect(held.outcome == .pendingApproval && held.error == nil)
            let approvalID = try #require(held.approval?.id)
            #expect(held.approval?.state == .pending && held.approval?.requiredApprovals == 1 && held.approval?.duration == "PT2H")

            // The same delivery again finds the same request; nothing new is held or called.
            let repeated = try await gateway.post(structured(duration: "PT2H"), deliveryID: "msg_held")
            #expect(repeated.status.code == 202)
            #expect(try JSONDecoder().decode(Components.Schemas.ActionResult.self, from: Data(Array(buffer: repeated.body))).approval?.id == approvalID)
            try await Task.sleep(for: .milliseconds(300))
            #expect(Self.enables(gateway) == 0, "nothing reaches Segura while the request waits")

            let store = try await SQLiteGatewayStore.open(path: gateway.storePath)
            let event = AuditEvent(approval: try #require(try await store.approval(id: approvalID)), decision: .approvalGranted, requestID: "req_test", requestedBy: "bob", at: Date())
            let decided = try await store.decideApproval(id: approvalID, verdict: .approve, approver: "bob", now: Date(), event: event, decisionReply: nil) { _ in [] }
            guard case .recorded(let approved) = decided else { Issue.record("not recorded: \(decided)"); return }
            #expect(approved.state == .approved)

            let executed = try await eventually("the approved request ran") { () -> ApprovalRequest? in
                let approval = try await store.approval(id: approvalID)
                return approval?.state == .executed ? approval : nil
            }
            #expect(Self.enables(gateway) == 1)
            let executionID = try #require(executed.executionRequestID)
            let stored = try await gateway.get("/v1/actions/\(executionID)")
            let result = try JSONDecoder().decode(Components.Schemas.ActionResult.self, from: Data(Array(buffer: stored.body)))
            #expect(stored.status == .ok && result.requestId == executionID)
            #expect(result.outcome == .applied && result.grant?.state == .active && result.requestedBy == "alice")
            #expect(try await Self.decisions(in: store, deliveryID: approvalID) == ["approval_requested", "approval_granted", "accepted", "applied"])
            if case .broken(let sequence, let reason) = try await store.verifyAuditChain() { Issue.record("chain broken at \(sequence): \(reason)") }
            try await store.close()
        }
    }

    @Test("an approved request whose executor died is taken over when its lease ends, and runs once")
    func leaseTakenOver() async throws {
        try await withGateway(configure: { try Self.requireApproval(&$0) }) { gateway in
            let response = try await gateway.post(structured(id: 43), deliveryID: "msg_lease")
            let approvalID = try #require(try JSONDecoder().decode(Components.Schemas.ActionResult.self, from: Data(Array(buffer: response.body))).approval?.id)
            let store = try await SQLiteGatewayStore.open(path: gateway.storePath)
            let event = AuditEvent(approval: try #require(try await store.approval(id: approvalID)), decision: .approvalGranted, requestID: "req_test", requestedBy: "carol", at: Date())
            // Approved and leased at once by a process that then dies, before the gateway's executor looks.
            _ = try await store.decideApproval(id: approvalID, verdict: .approve, approver: "carol", now: Date(), event: event, decisionReply: nil) { _ in [] }
            let leased = try await store.claimApprovedForExecution(now: Date(), limit: 10, lease: .seconds(1), owner: "dead")
            #expect(leased.map(\.id).contains(approvalID) || Self.enables(gateway, id: 43) == 1, "either the dead process or the gateway got the lease")
            let executed = try await eventually("the approval ran once its lease ended") { () -> ApprovalRequest? in
                let approval = try await store.approval(id: approvalID)
                return approval?.state == .executed ? approval : nil
            }
            #expect(executed.executionRequestID != nil)
            #expect(Self.enables(gateway, id: 43) == 1)
            try await store.close()
        }
    }

    @Test("a request left undecided expires on time with approval_expired, and never runs")
    func expires() async throws {
        try await withGateway(configure: { try Self.requireApproval(&$0, expiresAfter: .milliseconds(400)) }) { gateway in
            let response = try await gateway.post(structured(id: 44), deliveryID: "msg_expiry")
            let approvalID = try #require(try JSONDecoder().decode(Components.Schemas.ActionResult.self, from: Data(Array(buffer: response.body))).approval?.id)
            let store = try await SQLiteGatewayStore.open(path: gateway.storePath)
            let expired = try await eventually("the request expired") { () -> ApprovalRequest? in
                let approval = try await store.approval(id: approvalID)
                return approval?.state == .expired ? approval : nil
            }
            #expect(expired.decidedBy == nil && expired.decidedAt == expired.expiresAt)
            // Too late: the decision is answered with the request as it is, and changes nothing.
            let event = AuditEvent(approval: expired, decision: .approvalGranted, requestID: "req_test", requestedBy: "bob", at: Date())
            let late = try await store.decideApproval(id: approvalID, verdict: .approve, approver: "bob", now: Date(), event: event, decisionReply: nil) { _ in [] }
            #expect(late == .alreadyDecided(expired))
            try await Task.sleep(for: .milliseconds(200))
            #expect(Self.enables(gateway, id: 44) == 0)
            #expect(try await Self.decisions(in: store, deliveryID: approvalID) == ["approval_requested", "approval_expired"])
            try await store.close()
        }
    }

    @Test("the policy is checked again when an approved request runs: access withdrawn while it waited is refused")
    func policyCheckedAgain() async throws {
        // Asked and approved while the gateway was down; it comes back with a policy that no longer covers credential 45.
        let storePath = temporaryStorePath()
        let store = try await SQLiteGatewayStore.open(path: storePath)
        let now = Date()
        let asked = ApprovalRequest(
            id: TimeOrderedID.make(prefix: "apr_"), caller: TestCaller.servicenow.rawValue, deliveryID: "msg_policy", requestID: "req_asked",
            requestedBy: "alice", action: .enable, targetKind: .credential, targetID: 45, ticket: "CHG0012345", createdAt: now,
            expiresAt: now.addingTimeInterval(900)
        )
        _ = try await store.createApproval(asked, event: AuditEvent(approval: asked, decision: .approvalRequested, requestID: "req_asked", at: now), notices: [])
        let event = AuditEvent(approval: asked, decision: .approvalGranted, requestID: "req_test", requestedBy: "bob", at: now)
        _ = try await store.decideApproval(id: asked.id, verdict: .approve, approver: "bob", now: now, event: event, decisionReply: nil) { _ in [] }
        try await withGateway(configure: { configuration in
            try Self.requireApproval(&configuration)
            configuration.storePath = storePath
            let index = try #require(configuration.callers.firstIndex { $0.name == TestCaller.servicenow.rawValue })
            configuration.callers[index].policy = try CallerPolicy(allowedActions: [.enable], allowedKinds: [.credential], allowedIDs: [.credential: [40...44]])
        }) { gateway in
            let executed = try await eventually("the approved request was refused and closed") { () -> ApprovalRequest? in
                let approval = try await store.approval(id: asked.id)
                return approval?.state == .executed ? approval : nil
            }
            #expect(executed.executionRequestID != nil)
            #expect(Self.enables(gateway, id: 45) == 0)
            #expect(try await Self.decisions(in: store, deliveryID: asked.id) == ["approval_requested", "approval_granted", "rejected_policy"])
        }
        try await store.close()
    }
}
