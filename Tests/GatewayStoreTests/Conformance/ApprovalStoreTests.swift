import Foundation
import GatewayStore
import GatewayVocabulary
import Testing

/// The store's side of approvals: one request per asking delivery, votes by distinct approvers other than the
/// requester, expiry on time, one executor per approved request, and every step on the audit chain with its notices
/// in the outbox.
@Suite("Approval store")
struct ApprovalStoreTests {
    @Test("A request is created pending with its record; the same delivery asking again finds it", arguments: StoreBackend.allCases)
    func createAndRepeat(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let request = Self.request("apr_1", reply: .chatReply(url: "https://hooks.example/r/1"))
            guard case .created(let created) = try await store.createApproval(request, event: Self.requested(request), notices: Self.notices(request)) else {
                Issue.record("not created")
                return
            }
            #expect(created == request)
            #expect(try await store.newNotices() == Self.notices(request))
            var repeated = Self.request("apr_2")
            repeated.deliveryID = request.deliveryID
            #expect(try await store.createApproval(repeated, event: Self.requested(repeated), notices: Self.notices(repeated)) == .existing(request))
            #expect(try await store.approval(id: "apr_2") == nil)
            #expect(try await store.newNotices().isEmpty, "a repeated delivery does not notify approvers again")
            #expect(try await store.exportedRecords().map(\.event.decision) == [.approvalRequested])
            await #expect(throws: StoreError.invalidArgument) {
                var approved = Self.request("apr_3")
                approved.state = .approved
                _ = try await store.createApproval(approved, event: Self.requested(approved), notices: [])
            }
            await #expect(throws: StoreError.invalidArgument) {
                var replied = Self.request("apr_4")
                replied.decisionReply = .chatWebhook
                _ = try await store.createApproval(replied, event: Self.requested(replied), notices: [])
            }
        }
    }

    @Test("The requester cannot approve their own request, but may deny it", arguments: StoreBackend.allCases)
    func requesterCannotApprove(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let request = try await store.created(Self.request("apr_1"))
            #expect(try await store.decide(request, .approve, by: "alice") == .requesterCannotApprove)
            guard case .recorded(let denied) = try await store.decide(request, .deny, by: "alice") else {
                Issue.record("not denied")
                return
            }
            #expect(denied.state == .denied)
            #expect(denied.decidedBy == "alice")
            #expect(try await store.decide(request, .approve, by: "bob") == .alreadyDecided(denied))
            #expect(try await store.exportedRecords().map(\.event.decision) == [.approvalRequested, .approvalDenied])
            #expect(try await store.nextApprovalDue() == nil)
        }
    }

    @Test("Two approvals needed: the first stays pending, the same approver again is refused, the second approves", arguments: StoreBackend.allCases)
    func twoApprovals(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var request = Self.request("apr_1")
            request.requiredApprovals = 2
            _ = try await store.created(request)
            guard case .recorded(let first) = try await store.decide(request, .approve, by: "bob", at: 10) else {
                Issue.record("not recorded")
                return
            }
            #expect(first.state == .pending)
            #expect(first.votes == [ApprovalVote(approver: "bob", at: Fixtures.start.addingTimeInterval(10))])
            #expect(try await store.decide(request, .approve, by: "bob", at: 11) == .alreadyVoted(first))
            guard case .recorded(let second) = try await store.decide(request, .approve, by: "carol", at: 12) else {
                Issue.record("not recorded")
                return
            }
            #expect(second.state == .approved)
            #expect(second.votes.map(\.approver) == ["bob", "carol"])
            #expect(second.decidedBy == "carol")
            #expect(second.decidedAt == Fixtures.start.addingTimeInterval(12))
            #expect(try await store.approval(id: "apr_1") == second)
            #expect(try await store.decide(request, .deny, by: "dave", at: 13) == .alreadyDecided(second))
            #expect(try await store.exportedRecords().map(\.event.decision) == [.approvalRequested, .approvalGranted, .approvalGranted])
        }
    }

    @Test(
        "Only an applied verdict writes its notices, made of the request as stored; the deciding verdict keeps its decider's reply",
        arguments: StoreBackend.allCases
    )
    func decisionNotices(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var request = Self.request("apr_1")
            request.requiredApprovals = 2
            _ = try await store.created(request)
            _ = try await store.newNotices()
            let bobsClick = CallbackEvent.Destination.chatReply(url: "https://hooks.example/actions/bob")
            let carolsClick = CallbackEvent.Destination.chatReply(url: "https://hooks.example/actions/carol")
            #expect(try await store.decide(request, .approve, by: "alice", reply: bobsClick) == .requesterCannotApprove)
            #expect(try await store.newNotices().isEmpty)
            guard case .recorded(let first) = try await store.decide(request, .approve, by: "bob", at: 10, reply: bobsClick) else {
                Issue.record("not recorded")
                return
            }
            #expect(first.decisionReply == nil, "a vote that leaves the request pending decides nothing")
            #expect(try await store.newNotices() == Self.notices(first))
            #expect(try await store.decide(request, .approve, by: "bob", at: 11, reply: bobsClick) == .alreadyVoted(first))
            #expect(try await store.newNotices().isEmpty)
            guard case .recorded(let approved) = try await store.decide(request, .approve, by: "carol", at: 12, reply: carolsClick) else {
                Issue.record("not recorded")
                return
            }
            #expect(approved.state == .approved)
            #expect(approved.decisionReply == carolsClick)
            #expect(try await store.approval(id: "apr_1") == approved)
            #expect(try await store.newNotices() == Self.notices(approved))
            #expect(try await store.decide(request, .deny, by: "dave", at: 13, reply: bobsClick) == .alreadyDecided(approved))
            #expect(try await store.decide(Self.request("apr_9"), .approve, by: "bob", reply: bobsClick) == .notFound)
            #expect(try await store.newNotices().isEmpty)

            let withdrawn = try await store.created(Self.request("apr_2"))
            _ = try await store.newNotices()
            guard case .recorded(let denied) = try await store.decide(withdrawn, .deny, by: "alice", at: 14, reply: .chatWebhook) else {
                Issue.record("not recorded")
                return
            }
            #expect(denied.state == .denied)
            #expect(denied.decisionReply == .chatWebhook)
            #expect(try await store.approval(id: "apr_2") == denied)
            #expect(try await store.newNotices() == Self.notices(denied))
        }
    }

    @Test("A decision after the expiry expires the request with its record and notices, and changes nothing else", arguments: StoreBackend.allCases)
    func decideAfterExpiry(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let request = try await store.created(Self.request("apr_1", expiresIn: 60))
            _ = try await store.newNotices()
            let click = CallbackEvent.Destination.chatReply(url: "https://hooks.example/actions/bob")
            guard case .alreadyDecided(let expired) = try await store.decide(request, .approve, by: "bob", at: 60, reply: click) else {
                Issue.record("not expired")
                return
            }
            #expect(expired.state == .expired)
            #expect(expired.decidedBy == nil)
            #expect(expired.decidedAt == request.expiresAt)
            #expect(expired.decisionReply == nil)
            #expect(expired.votes.isEmpty)
            #expect(try await store.approval(id: "apr_1") == expired)
            #expect(try await store.newNotices() == Self.notices(expired))
            let records = try await store.exportedRecords()
            #expect(records.map(\.event.decision) == [.approvalRequested, .approvalExpired])
            #expect(records.last?.event.deliveryID == "apr_1")
            #expect(try await store.decide(request, .deny, by: "bob", at: 61) == .alreadyDecided(expired))
            #expect(try await store.exportedRecords().count == 2)
            #expect(try await store.newNotices().isEmpty)
        }
    }

    @Test("Due requests expire together, each with its record and notices, and the chain verifies", arguments: StoreBackend.allCases)
    func expireDue(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.created(Self.request("apr_1", expiresIn: 30))
            _ = try await store.created(Self.request("apr_2", expiresIn: 60))
            _ = try await store.created(Self.request("apr_3", expiresIn: 90))
            _ = try await store.newNotices()
            #expect(try await store.nextApprovalDue() == Fixtures.start.addingTimeInterval(30))
            let now = Fixtures.start.addingTimeInterval(60)
            let expired = try await store.expireDueApprovals(
                now: now, limit: 10, expiredEvent: { request in AuditEvent(approval: request, decision: .approvalExpired, requestID: "req_sweep", at: now) },
                notices: Self.notices
            )
            #expect(expired.map(\.id) == ["apr_1", "apr_2"])
            #expect(expired.allSatisfy { $0.state == .expired })
            #expect(try await store.newNotices() == expired.flatMap(Self.notices))
            #expect(try await store.approvals(state: .expired, caller: nil, limit: 10).map(\.id) == ["apr_2", "apr_1"])
            #expect(try await store.nextApprovalDue() == Fixtures.start.addingTimeInterval(90))
            let none = try await store.expireDueApprovals(
                now: now, limit: 10, expiredEvent: { _ in Issue.record("nothing is due"); return Self.requested(Self.request("x")) },
                notices: { _ in Issue.record("nothing is due"); return [] }
            )
            #expect(none.isEmpty)
            let records = try await store.exportedRecords()
            #expect(records.suffix(2).map(\.event.decision) == [.approvalExpired, .approvalExpired])
            #expect(records.suffix(2).map(\.event.deliveryID) == ["apr_1", "apr_2"])
            #expect(try await store.verifyAuditChain() == .intact(count: 5, lastHash: try #require(records.last).hash))
        }
    }

    @Test("Two approvers deciding at once: exactly one completes the approval", arguments: StoreBackend.allCases)
    func concurrentDecisions(_ backend: StoreBackend) async throws {
        try await backend.withDatabase { database in
            let first = try await database.open()
            let second = try await database.open()
            for number in 1...20 { _ = try await first.created(Self.request("apr_\(number)")) }
            for number in 1...20 {
                let request = Self.request("apr_\(number)")
                async let bob = first.decide(request, .approve, by: "bob", at: 5)
                async let carol = second.decide(request, .approve, by: "carol", at: 5)
                let results = try await [bob, carol]
                let recorded = results.filter { if case .recorded = $0 { true } else { false } }
                let decided = results.filter { if case .alreadyDecided = $0 { true } else { false } }
                #expect(recorded.count == 1 && decided.count == 1, "\(results)")
            }
            #expect(try await first.exportedRecords().filter { $0.event.decision == .approvalGranted }.count == 20)
            #expect(try await first.verifyAuditChain() == second.verifyAuditChain())
            try await first.close()
            try await second.close()
        }
    }

    @Test("An approved request is leased to one executor; an unfinished lease falls due again; completion happens once", arguments: StoreBackend.allCases)
    func execution(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let request = try await store.created(Self.request("apr_1"))
            _ = try await store.created(Self.request("apr_2"))
            #expect(try await store.claimApprovedForExecution(now: Fixtures.start.addingTimeInterval(5), limit: 10, lease: .seconds(30), owner: "a").isEmpty)
            _ = try await store.decide(request, .approve, by: "bob", at: 5)
            let approvedAt = Fixtures.start.addingTimeInterval(5)
            #expect(try await store.nextApprovalDue() == approvedAt, "an unleased approval is due from when it was approved")

            let now = Fixtures.start.addingTimeInterval(6)
            let claimed = try await store.claimApprovedForExecution(now: now, limit: 10, lease: .seconds(30), owner: "a")
            #expect(claimed.map(\.id) == ["apr_1"])
            #expect(try await store.claimApprovedForExecution(now: now.addingTimeInterval(29), limit: 10, lease: .seconds(30), owner: "b").isEmpty)
            #expect(try await store.nextApprovalDue() == now.addingTimeInterval(30))
            let retaken = try await store.claimApprovedForExecution(now: now.addingTimeInterval(30), limit: 10, lease: .seconds(30), owner: "b")
            #expect(retaken.map(\.id) == ["apr_1"], "a lease never completed falls due again")

            #expect(try await store.completeApprovalExecution(id: "apr_1", requestID: "req_exec", now: now.addingTimeInterval(31)))
            #expect(try await !store.completeApprovalExecution(id: "apr_1", requestID: "req_other", now: now.addingTimeInterval(32)))
            #expect(try await !store.completeApprovalExecution(id: "apr_2", requestID: "req_other", now: now.addingTimeInterval(32)), "still pending")
            let executed = try #require(try await store.approval(id: "apr_1"))
            #expect(executed.state == .executed)
            #expect(executed.executionRequestID == "req_exec")
            #expect(try await store.claimApprovedForExecution(now: now.addingTimeInterval(120), limit: 10, lease: .seconds(30), owner: "c").isEmpty)
            #expect(try await store.nextApprovalDue() == Self.request("apr_2").expiresAt)
        }
    }

    @Test("Requests, votes and leases survive closing and reopening", arguments: StoreBackend.allCases)
    func survivesReopen(_ backend: StoreBackend) async throws {
        try await backend.withDatabase { database in
            var store = try await database.open()
            var request = Self.request("apr_1", reply: .chatWebhook)
            request.requiredApprovals = 2
            request.reason = "rotate the key"
            request.duration = .seconds(900)
            request.platform = "teams"
            _ = try await store.created(request)
            _ = try await store.decide(request, .approve, by: "bob", at: 1)
            _ = try await store.created(Self.request("apr_2", reply: .callback))
            let before = try await store.approvals(state: nil, caller: nil, limit: 10)
            try await store.close()

            store = try await database.open()
            #expect(try await store.approvals(state: nil, caller: nil, limit: 10) == before)
            let reopened = try #require(try await store.approval(id: "apr_1"))
            #expect(reopened.votes.map(\.approver) == ["bob"])
            #expect(reopened.reply == .chatWebhook)
            #expect(reopened.duration == .seconds(900))
            guard case .recorded(let approved) = try await store.decide(request, .approve, by: "carol", at: 2) else {
                Issue.record("not recorded")
                return
            }
            #expect(approved.state == .approved)
            try await store.close()
        }
    }

    @Test("Listing is newest first and filters by state and caller", arguments: StoreBackend.allCases)
    func listing(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.created(Self.request("apr_1", at: 0))
            _ = try await store.created(Self.request("apr_2", caller: "slack", at: 1))
            let third = try await store.created(Self.request("apr_3", at: 2))
            _ = try await store.decide(third, .deny, by: "bob", at: 3)
            #expect(try await store.approvals(state: nil, caller: nil, limit: 10).map(\.id) == ["apr_3", "apr_2", "apr_1"])
            #expect(try await store.approvals(state: nil, caller: nil, limit: 2).map(\.id) == ["apr_3", "apr_2"])
            #expect(try await store.approvals(state: .pending, caller: nil, limit: 10).map(\.id) == ["apr_2", "apr_1"])
            #expect(try await store.approvals(state: .pending, caller: "jira", limit: 10).map(\.id) == ["apr_1"])
            #expect(try await store.approvals(state: nil, caller: "jira", limit: 10).map(\.id) == ["apr_3", "apr_1"])
            #expect(try await store.approvals(state: .executed, caller: nil, limit: 10).isEmpty)
        }
    }

    // MARK: Fixtures

    /// A pending request by alice of `caller`, made `at` seconds after ``Fixtures/start``, expiring `expiresIn` later.
    static func request(
        _ id: String, caller: String = "jira", at seconds: TimeInterval = 0, expiresIn: TimeInterval = 900, reply: CallbackEvent.Destination? = nil
    ) -> ApprovalRequest {
        ApprovalRequest(
            id: id, caller: caller, deliveryID: "delivery-\(id)", requestID: "req_\(id)", requestedBy: "alice", action: .enable,
            targetKind: .credential, targetID: 42, ticket: "CHG-1", createdAt: Fixtures.start.addingTimeInterval(seconds),
            expiresAt: Fixtures.start.addingTimeInterval(seconds + expiresIn), reply: reply
        )
    }

    static func requested(_ request: ApprovalRequest) -> AuditEvent {
        AuditEvent(approval: request, decision: .approvalRequested, requestID: request.requestID, at: request.createdAt)
    }

    /// The notices of `request`: one to the approval channel, whose id names the request's state and votes (each
    /// change's notice is a new event) and whose body is the request as the store gave it.
    static func notices(_ request: ApprovalRequest) -> [CallbackEvent] {
        let id = "msg_\(request.id)_\(request.state)_\(request.votes.count)"
        return [CallbackEvent(id: id, caller: request.caller, body: Data("\(request)".utf8), destination: .approvalChannel)]
    }
}

extension GatewayStore {
    /// Creates `request`, which must be new; returns it as stored.
    func created(_ request: ApprovalRequest) async throws -> ApprovalRequest {
        let event = ApprovalStoreTests.requested(request)
        guard case .created(let created) = try await self.createApproval(request, event: event, notices: ApprovalStoreTests.notices(request)) else {
            throw StoreError.invalidArgument
        }
        return created
    }

    /// `approver`'s `verdict` on `request`, `seconds` after ``Fixtures/start``, with its record and notices, the
    /// decider's message at `reply`.
    func decide(
        _ request: ApprovalRequest, _ verdict: ApprovalVerdict, by approver: String, at seconds: TimeInterval = 1, reply: CallbackEvent.Destination? = nil
    ) async throws -> ApprovalDecisionResult {
        let now = Fixtures.start.addingTimeInterval(seconds)
        let decision: AuditDecision = verdict == .approve ? .approvalGranted : .approvalDenied
        let event = AuditEvent(approval: request, decision: decision, requestID: "req_decide", requestedBy: approver, at: now)
        return try await self.decideApproval(
            id: request.id, verdict: verdict, approver: approver, now: now, event: event, decisionReply: reply, notices: ApprovalStoreTests.notices
        )
    }

    /// The events put in the outbox since the last call, which leased them past any later one.
    func newNotices() async throws -> [CallbackEvent] {
        try await self.claimDueCallbacks(now: Fixtures.start.addingTimeInterval(86_400), limit: 100, lease: .seconds(86_400)).map(\.event)
    }
}
