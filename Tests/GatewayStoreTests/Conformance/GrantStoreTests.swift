import Foundation
import GatewayStore
import GatewayVocabulary
import Testing

/// The store's side of time-bound grants: one open grant per target, atomic revocation leases, completion
/// only under the lease, and every transition on the audit chain.
@Suite("Grant store")
struct GrantStoreTests {
    @Test("A claim opens the grant with its record; a second opening on the same target keeps the first", arguments: StoreBackend.allCases)
    func oneOpenGrantPerTarget(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let first = try await store.openGrant(id: 42, request: "r1", expiresIn: 60)
            let second = try await store.openGrant(id: 42, request: "r2", expiresIn: 600)
            #expect(first != nil)
            #expect(second == nil)
            #expect(try await store.openGrant(kind: .credential, id: 42)?.requestID == "r1")
            #expect(try await store.exportedRecords().map(\.event.decision) == [.grantCreated])
        }
    }

    @Test("Two schedulers on one file never lease the same grant", arguments: StoreBackend.allCases)
    func leasesAreExclusiveAcrossStores(_ backend: StoreBackend) async throws {
        try await backend.withDatabase { database in
            let first = try await database.open()
            let second = try await database.open()
            for id in 1...300 { _ = try await first.openGrant(id: id, request: "r\(id)", expiresIn: 0.001) }
            let now = Fixtures.start.addingTimeInterval(1)
            async let claimedByFirst = Self.claimAll(first, owner: "a", now: now)
            async let claimedBySecond = Self.claimAll(second, owner: "b", now: now)
            let (a, b) = try await (claimedByFirst, claimedBySecond)
            #expect(a.count + b.count == 300)
            #expect(Set(a).isDisjoint(with: Set(b)))
            #expect(try await first.claimDueRevocations(now: now, limit: 10, lease: .seconds(30), owner: "a").isEmpty)
            #expect(try await first.verifyAuditChain() == second.verifyAuditChain())
            try await first.close()
            try await second.close()
        }
    }

    private static func claimAll(_ store: any GatewayStore, owner: String, now: Date) async throws -> [String] {
        var ids: [String] = []
        while true {
            let claims = try await store.claimDueRevocations(now: now, limit: 7, lease: .seconds(30), owner: owner)
            if claims.isEmpty { return ids }
            ids += claims.map(\.grant.id)
        }
    }

    @Test("Only the lease holder completes; a lease left by a dead attempt falls due when it ends, or at once for its owner", arguments: StoreBackend.allCases)
    func leasesGuardCompletion(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let grant = try #require(try await store.openGrant(id: 42, request: "r1", expiresIn: 10))
            let due = Fixtures.start.addingTimeInterval(10)
            #expect(try await store.nextRevocationDue() == due)
            #expect(try await store.claimDueRevocations(now: due.addingTimeInterval(-0.001), limit: 8, lease: .seconds(30), owner: "a").isEmpty)
            let claim = try #require(try await store.claimDueRevocations(now: due, limit: 8, lease: .seconds(30), owner: "a").first)
            #expect(claim.grant.state == .revoking)
            #expect(try await store.renewRevocationLease(grantID: grant.id, token: claim.leaseToken, until: due.addingTimeInterval(30)))

            // Nobody else gets it while the lease runs; after it ends, anyone does.
            #expect(try await store.claimDueRevocations(now: due.addingTimeInterval(29), limit: 8, lease: .seconds(30), owner: "b").isEmpty)
            let takeover = try #require(try await store.claimDueRevocations(now: due.addingTimeInterval(30), limit: 8, lease: .seconds(30), owner: "b").first)
            #expect(try await store.completeRevocation(store.completion(claim, .revoked(endedBy: "expiry")), now: due.addingTimeInterval(31)) == nil)
            #expect(try await !store.renewRevocationLease(grantID: grant.id, token: claim.leaseToken, until: due.addingTimeInterval(60)))
            #expect(try await store.exportedRecords().last?.event.decision == .grantRevocationSuperseded, "the late result is audited as superseded")

            // Owner "b" restarts: its lease is due at once.
            #expect(try await store.releaseRevocationLeases(owner: "b", now: due.addingTimeInterval(32)) == 1)
            let retaken = try #require(try await store.claimDueRevocations(now: due.addingTimeInterval(32), limit: 8, lease: .seconds(30), owner: "b").first)
            #expect(retaken.leaseToken != takeover.leaseToken)
            let revoked = try await store.completeRevocation(store.completion(retaken, .revoked(endedBy: "expiry")), now: due.addingTimeInterval(33))
            #expect(revoked?.state == .revoked)
            #expect(revoked?.dueAt == nil)
            #expect(try await store.nextRevocationDue() == nil)
            #expect(try await store.openGrant(kind: .credential, id: 42) == nil)
        }
    }

    @Test("Opening under the target's lock keeps an open grant, and opens one once the target has none", arguments: StoreBackend.allCases)
    func ensureOpenGrant(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let first = try #require(try await store.openGrant(id: 42, request: "r1", expiresIn: 60))
            let later = Grant(
                id: TimeOrderedID.make(prefix: "grt_"), targetKind: .credential, targetID: 42, caller: "jira", ticket: "CHG-2", requestedBy: nil,
                requestID: "r2", startsAt: Fixtures.start, expiresAt: Fixtures.start.addingTimeInterval(120)
            )
            let opening = GrantOpening(grant: later, event: AuditEvent(grant: later, decision: .grantCreated, requestID: "r2", caller: "jira", action: .enable, at: Fixtures.start))
            #expect(try await store.ensureOpenGrant(opening, now: Fixtures.start)?.id == first.id)
            let claim = try #require(try await store.claimRevocation(
                grantID: first.id, requestID: "r3", caller: "jira", now: Fixtures.start, lease: .seconds(30), owner: "a"
            ).claimed)
            _ = try await store.completeRevocation(store.completion(claim, .revoked(endedBy: "revoke")), now: Fixtures.start)
            #expect(try await store.ensureOpenGrant(opening, now: Fixtures.start)?.id == later.id)
        }
    }

    @Test("A callback event commits with its transition only, survives a reopen, is leased, retried and removed once delivered", arguments: StoreBackend.allCases)
    func callbackOutbox(_ backend: StoreBackend) async throws {
        try await backend.withDatabase { database in
            var store = try await database.open()
            _ = try #require(try await store.openGrant(id: 42, request: "r1", expiresIn: 10))
            let due = Fixtures.start.addingTimeInterval(10)
            let claim = try #require(try await store.claimDueRevocations(now: due, limit: 1, lease: .seconds(30), owner: "a").first)
            let event = CallbackEvent(id: "msg_1", caller: "jira", body: Data(#"{"type":"grant.revoked"}"#.utf8))
            var superseded = store.completion(claim, .revoked(endedBy: "expiry"))
            superseded.leaseToken = "req_someone_else"
            superseded.callback = CallbackEvent(id: "msg_0", caller: "jira", body: Data("{}".utf8))
            #expect(try await store.completeRevocation(superseded, now: due) == nil)
            var completion = store.completion(claim, .revoked(endedBy: "expiry"))
            completion.callback = event
            #expect(try await store.completeRevocation(completion, now: due)?.state == .revoked)
            try await store.close()

            store = try await database.open()
            #expect(try await store.nextCallbackDue() == due)
            let first = try await store.claimDueCallbacks(now: due, limit: 10, lease: .seconds(60))
            #expect(first.map(\.event) == [event], "only the recorded transition's event, not the superseded one")
            #expect(first.first?.attempt == 1)
            #expect(try await store.claimDueCallbacks(now: due.addingTimeInterval(59), limit: 10, lease: .seconds(60)).isEmpty, "leased")
            try await store.completeCallback(id: "msg_1", result: .retry(at: due.addingTimeInterval(5)))
            #expect(try await store.claimDueCallbacks(now: due.addingTimeInterval(4), limit: 10, lease: .seconds(60)).isEmpty)
            let second = try await store.claimDueCallbacks(now: due.addingTimeInterval(5), limit: 10, lease: .seconds(60))
            #expect(second.first?.attempt == 2)
            try await store.completeCallback(id: "msg_1", result: .delivered)
            #expect(try await store.nextCallbackDue() == nil)
            try await store.close()
        }
    }

    @Test(
        "A chat reply commits with its outcome even when the grant change did not apply, and every destination survives a reopen",
        arguments: StoreBackend.allCases
    )
    func chatReplies(_ backend: StoreBackend) async throws {
        try await backend.withDatabase { database in
            var store = try await database.open()
            let grant = try #require(try await store.openGrant(id: 42, request: "r1", expiresIn: 60))
            let cancelled = AuditEvent(grant: grant, decision: .grantCancelled, requestID: "r1", caller: "jira", action: .enable, at: Fixtures.start)
            let cancel = GrantChange(grantID: grant.id, kind: .cancel, event: cancelled)
            #expect(try await store.recordOutcome(Fixtures.event(1), answering: nil, grant: cancel, callback: nil, reply: nil).grantChanged)

            let announcement = CallbackEvent(id: "msg_grant", caller: "jira", body: Data("{}".utf8))
            let reply = CallbackEvent(
                id: "msg_reply", caller: "jira", body: Data(#"{"text":"done"}"#.utf8), destination: .chatReply(url: "https://hooks.slack.com/actions/T1/B2/x")
            )
            let recorded = try await store.recordOutcome(Fixtures.event(2), answering: nil, grant: cancel, callback: announcement, reply: reply)
            #expect(!recorded.grantChanged, "the grant was cancelled already")
            let webhook = CallbackEvent(id: "msg_teams", caller: "teams", body: Data("{}".utf8), destination: .chatWebhook)
            try await store.enqueueCallback(webhook)
            try await store.close()

            store = try await database.open()
            let claimed = try await store.claimDueCallbacks(now: Fixtures.start.addingTimeInterval(3600), limit: 10, lease: .seconds(60))
            #expect(Set(claimed.map(\.event)) == [reply, webhook], "the reply, and not the announcement of a change that did not apply")
            try await store.close()
        }
    }

    @Test("An event enqueued on its own is durable and due at once, and a callback stays a callback", arguments: StoreBackend.allCases)
    func enqueuedCallback(_ backend: StoreBackend) async throws {
        try await backend.withDatabase { database in
            let event = CallbackEvent(id: "msg_refused", caller: "mattermost", body: Data(#"{"text":"refused"}"#.utf8), destination: .chatReply(url: "https://chat.example/hook/1"))
            let callback = CallbackEvent(id: "msg_callback", caller: "jira", body: Data("{}".utf8))
            let before = Date()
            var store = try await database.open()
            try await store.enqueueCallback(event)
            try await store.enqueueCallback(callback)
            try await store.close()

            store = try await database.open()
            let due = try #require(try await store.nextCallbackDue())
            #expect(due >= before.addingTimeInterval(-0.001) && due <= Date().addingTimeInterval(0.001))
            let claimed = try await store.claimDueCallbacks(now: Date(), limit: 10, lease: .seconds(60))
            #expect(claimed.map(\.event) == [event, callback])
            #expect(claimed.map(\.attempt) == [1, 1])
            try await store.completeCallback(id: "msg_refused", result: .abandoned)
            try await store.completeCallback(id: "msg_callback", result: .delivered)
            #expect(try await store.nextCallbackDue() == nil)
            try await store.close()
        }
    }

    @Test("Listing filters by caller, target, ticket and state, newest first, within the visible scope", arguments: StoreBackend.allCases)
    func listing(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            for id in 1...5 { _ = try await store.openGrant(id: id, request: "r\(id)", expiresIn: 60, at: Double(id)) }
            #expect(try await store.grants(matching: GrantQuery(limit: 3)) { _ in true }.map(\.targetID) == [5, 4, 3])
            #expect(try await store.grants(matching: GrantQuery(targetID: 2)) { _ in true }.map(\.targetID) == [2])
            #expect(try await store.grants(matching: GrantQuery(limit: 2)) { $0.targetID < 3 }.map(\.targetID) == [2, 1])
            #expect(try await store.grants(matching: GrantQuery(states: .ended)) { _ in true }.isEmpty)
            #expect(try await store.grants(matching: GrantQuery(caller: "slack")) { _ in true }.isEmpty)
        }
    }
}

extension GatewayStore {
    /// Claims a fresh delivery for `request` with a grant on credential `id`, `at` seconds after
    /// ``Fixtures/start``; returns the grant if it was opened.
    func openGrant(id: Int, request: String, expiresIn seconds: TimeInterval, at offset: TimeInterval = 0) async throws -> Grant? {
        let now = Fixtures.start.addingTimeInterval(offset)
        let grant = Grant(
            id: TimeOrderedID.make(prefix: "grt_", now: now), targetKind: .credential, targetID: id, caller: "jira", ticket: "CHG-1",
            requestedBy: nil, requestID: request, startsAt: now, expiresAt: now.addingTimeInterval(seconds)
        )
        let opening = GrantOpening(grant: grant, event: AuditEvent(grant: grant, decision: .grantCreated, requestID: request, caller: "jira", action: .enable, at: now))
        let claim = DeliveryClaimRequest(
            key: DeliveryKey(caller: "jira", deliveryID: "delivery-\(request)"), fingerprint: Fixtures.fingerprint, signatureDigest: nil, requestID: request,
            expiresAfter: Fixtures.day, acceptance: nil, grant: opening
        )
        _ = try await self.claimDelivery(claim, now: now)
        return try await self.grant(id: grant.id)
    }

    func completion(_ claim: RevocationClaim, _ result: RevocationCompletion.Result) -> RevocationCompletion {
        let event = AuditEvent(grant: claim.grant, decision: .grantRevoked, requestID: claim.leaseToken, caller: "jira", action: .disable, at: Fixtures.start)
        return RevocationCompletion(grantID: claim.grant.id, leaseToken: claim.leaseToken, result: result, event: event)
    }
}

extension RevocationRequest {
    /// The claim, when the request got one.
    var claimed: RevocationClaim? {
        guard case .claimed(let claim) = self else { return nil }
        return claim
    }
}
