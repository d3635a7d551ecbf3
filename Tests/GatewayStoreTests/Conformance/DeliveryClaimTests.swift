import Foundation
import GatewayStore
import GatewayVocabulary
import Testing

@Suite("Delivery claims")
struct DeliveryClaimTests {
    private let key = Fixtures.key

    @Test("The first claim of a key may act", arguments: StoreBackend.allCases)
    func firstClaimIsClaimed(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let claim = try await store.claim("r1")
            #expect(claim == .claimed(recoveredFromCrash: false))
        }
    }

    @Test("A second claim while the first is unanswered is in flight, naming the holder", arguments: StoreBackend.allCases)
    func unansweredClaimIsInFlight(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.claim("r1")
            #expect(try await store.claim("r2", at: 59.999) == .inFlight(requestID: "r1"))
        }
    }

    @Test("An answered delivery replays the stored response, byte for byte", arguments: StoreBackend.allCases)
    func completedDeliveryReplays(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.claim("r1")
            let response = Fixtures.response(requestID: "r1", at: Fixtures.start.addingTimeInterval(0.1234))
            try await store.complete("r1", response: response)

            let claim = try await store.claim("r2", at: 3600)
            guard case .completed(let replayed) = claim else {
                Issue.record("expected a replay, got \(claim)")
                return
            }
            #expect(replayed == response)
            #expect(Array(replayed.body) == Array(response.body))
            #expect(replayed.requestID == "r1")
            #expect(replayed.completedAt.timeIntervalSince1970 == 1_800_000_000.123)
        }
    }

    @Test("An empty body (204) replays as empty", arguments: StoreBackend.allCases)
    func emptyBodyReplays(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.claim("r1")
            let response = StoredResponse(statusCode: 204, contentType: "text/plain", body: Data(), requestID: "r1", completedAt: Fixtures.start)
            try await store.complete("r1", response: response)
            #expect(try await store.claim("r2") == .completed(response))
        }
    }

    @Test("Reusing a key for another payload is refused, in flight, answered or stale", arguments: StoreBackend.allCases)
    func differentFingerprintIsRefused(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.claim("r1")
            #expect(try await store.claim("r2", fingerprint: Fixtures.otherFingerprint) == .fingerprintMismatch)

            // Even a stale claim may not be taken over with a different payload.
            #expect(try await store.claim("r3", at: 120, fingerprint: Fixtures.otherFingerprint) == .fingerprintMismatch)

            try await store.complete("r1")
            #expect(try await store.claim("r4", at: 130, fingerprint: Fixtures.otherFingerprint) == .fingerprintMismatch)
        }
    }

    @Test("Keys are scoped to their caller", arguments: StoreBackend.allCases)
    func keysArePerCaller(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let jira = try await store.claim("r1", key: DeliveryKey(caller: "jira", deliveryID: "same"))
            let slack = try await store.claim("r2", key: DeliveryKey(caller: "slack", deliveryID: "same"), fingerprint: Fixtures.otherFingerprint)
            #expect(jira == .claimed(recoveredFromCrash: false))
            #expect(slack == .claimed(recoveredFromCrash: false))
        }
    }

    @Test("An expired answered key is absent: any payload may claim it afresh", arguments: StoreBackend.allCases)
    func expiredAnsweredKeyIsReplaced(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let hour = Duration.seconds(3600)
            _ = try await store.claim("r1", expiresAfter: hour)
            try await store.complete("r1")

            #expect(try await store.claim("r2", at: 3599.999, expiresAfter: hour) == .completed(Fixtures.response(requestID: "r1")))
            let other = Fixtures.otherFingerprint
            #expect(try await store.claim("r3", at: 3600, fingerprint: other, expiresAfter: hour) == .claimed(recoveredFromCrash: false))
            #expect(try await store.claim("r4", at: 3601, fingerprint: other, expiresAfter: hour) == .inFlight(requestID: "r3"))
        }
    }

    @Test("An expired unanswered claim is replaced, flagged as a possible earlier action", arguments: StoreBackend.allCases)
    func expiredUnansweredClaimIsRecovered(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.claim("r1", expiresAfter: .seconds(30))
            let claim = try await store.claim("r2", at: 30, fingerprint: Fixtures.otherFingerprint, expiresAfter: .seconds(30))
            #expect(claim == .claimed(recoveredFromCrash: true))
        }
    }

    @Test("A claim left by a crashed attempt is taken over once stale, and only the new holder can answer", arguments: StoreBackend.allCases)
    func staleClaimIsTakenOver(_ backend: StoreBackend) async throws {
        try await backend.withStore(StoreBackend.Settings(staleClaimAfter: .seconds(60))) { store in
            _ = try await store.claim("crashed")
            #expect(try await store.claim("r2", at: 59.999) == .inFlight(requestID: "crashed"))
            #expect(try await store.claim("r3", at: 60) == .claimed(recoveredFromCrash: true))

            // The new claim is fresh: it blocks retries for another staleClaimAfter.
            #expect(try await store.claim("r4", at: 119) == .inFlight(requestID: "r3"))

            // A late answer from the first attempt must not touch the new holder's claim.
            #expect(try await store.complete("crashed") == false)

            #expect(try await store.complete("r3"))
            #expect(try await store.claim("r5", at: 120) == .completed(Fixtures.response(requestID: "r3")))
        }
    }

    @Test("A renewed claim is not stale until staleClaimAfter after its renewal; only its holder renews it, and only unanswered", arguments: StoreBackend.allCases)
    func renewedClaimStaysInFlight(_ backend: StoreBackend) async throws {
        try await backend.withStore(StoreBackend.Settings(staleClaimAfter: .seconds(60))) { store in
            let start = Fixtures.start
            _ = try await store.claim("queued")
            #expect(try await store.renewDeliveryClaim(Fixtures.key, requestID: "queued", now: start.addingTimeInterval(50)))
            #expect(try await store.claim("retry", at: 100) == .inFlight(requestID: "queued"))
            #expect(try await store.renewDeliveryClaim(Fixtures.key, requestID: "retry", now: start.addingTimeInterval(100)) == false)
            #expect(try await store.claim("retry", at: 110) == .claimed(recoveredFromCrash: true))

            // The taken-over holder can no longer renew, nor can anyone once the claim is answered.
            #expect(try await store.renewDeliveryClaim(Fixtures.key, requestID: "queued", now: start.addingTimeInterval(111)) == false)
            #expect(try await store.complete("retry"))
            #expect(try await store.renewDeliveryClaim(Fixtures.key, requestID: "retry", now: start.addingTimeInterval(112)) == false)
        }
    }

    @Test("An answer that is not final is replayed until it reopens, then the delivery may act again", arguments: StoreBackend.allCases)
    func provisionalAnswerReopens(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.claim("r1")
            #expect(try await store.complete("r1", reopensAt: 300))
            #expect(try await store.claim("r2", at: 299.999) == .completed(Fixtures.response(requestID: "r1")))
            #expect(try await store.claim("r3", at: 300, fingerprint: Fixtures.otherFingerprint) == .fingerprintMismatch)
            #expect(try await store.claim("r4", at: 300) == .claimed(recoveredFromCrash: false))
            #expect(try await store.claim("r5", at: 301) == .inFlight(requestID: "r4"))
            #expect(try await store.complete("r4"))
            #expect(try await store.claim("r6", at: 10_000) == .completed(Fixtures.response(requestID: "r4")))
        }
    }

    @Test("An answer needs an unanswered claim held by its request; the outcome is recorded regardless", arguments: StoreBackend.allCases)
    func completionNeedsTheClaim(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            #expect(try await store.complete("r1") == false)
            _ = try await store.claim("r1")
            #expect(try await store.complete("r1"))
            #expect(try await store.complete("r1") == false)
            #expect(try await store.exportedRecords().map(\.event.requestID) == ["r1", "r1", "r1"])
        }
    }

    @Test("A signature authenticates one delivery id: reused under another id it is refused, under its own it is not", arguments: StoreBackend.allCases)
    func signatureIsBoundToOneDelivery(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let other = DeliveryKey(caller: "jira", deliveryID: "delivery-2")
            #expect(try await store.claim("r1", signature: "sig-a") == .claimed(recoveredFromCrash: false))
            #expect(try await store.claim("r2", key: other, signature: "sig-a") == .signatureReused)
            #expect(try await store.claim("r3", key: DeliveryKey(caller: "slack", deliveryID: "delivery-2"), signature: "sig-a") == .claimed(recoveredFromCrash: false))
            try await store.complete("r1")
            // A redelivery with the same signature (GitHub, Jira) is the same delivery: replayed.
            #expect(try await store.claim("r4", signature: "sig-a") == .completed(Fixtures.response(requestID: "r1")))
            // The memory of a signature ends with its delivery's expiry.
            #expect(try await store.claim("r5", at: 86_400, key: other, signature: "sig-a") == .claimed(recoveredFromCrash: false))
        }
    }

    @Test("A signature that fixes its own delivery id still authenticates that id only, whichever comes first", arguments: StoreBackend.allCases)
    func signatureFixingItsIDIsBoundToIt(_ backend: StoreBackend) async throws {
        try await backend.withStore { store async throws in
            func claim(_ requestID: String, at seconds: TimeInterval = 0, _ deliveryID: String, _ signature: String, fixing signedID: String) async throws -> DeliveryClaim {
                try await store.claim(requestID, at: seconds, key: DeliveryKey(caller: "jira", deliveryID: deliveryID), signature: signature, signedID: signedID)
            }
            let claimed = DeliveryClaim.claimed(recoveredFromCrash: false)
            // Claimed under its signed id first, then replayed under an unsigned Idempotency-Key.
            #expect(try await claim("r1", "msg-1", "sig-a", fixing: "msg-1") == claimed)
            #expect(try await claim("r2", "idempotency-key", "sig-a", fixing: "msg-1") == .signatureReused)
            #expect(try await claim("r3", "msg-1", "sig-a", fixing: "msg-1") == .inFlight(requestID: "r1"))
            // Claimed under an unsigned key first, then replayed under its signed id.
            #expect(try await claim("r4", "key-2", "sig-b", fixing: "msg-2") == claimed)
            #expect(try await claim("r5", "msg-2", "sig-b", fixing: "msg-2") == .signatureReused)
            // Once the signed delivery expired, its id no longer blocks the signature under another key.
            #expect(try await claim("r6", at: 86_400, "key-3", "sig-a", fixing: "msg-1") == claimed)
        }
    }

    @Test("The acceptance record commits with a granted claim, and only then", arguments: StoreBackend.allCases)
    func acceptanceCommitsWithTheClaim(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let acceptance = { (number: Int) in
                AuditEvent(requestID: "r\(number)", caller: "jira", decision: .accepted, receivedAt: Fixtures.start, occurredAt: Fixtures.start)
            }
            _ = try await store.claim("r1", acceptance: acceptance(1))
            #expect(try await store.claim("r2", acceptance: acceptance(2)) == .inFlight(requestID: "r1"))
            #expect(try await store.claim("r3", fingerprint: Fixtures.otherFingerprint, acceptance: acceptance(3)) == .fingerprintMismatch)
            let records = try await store.exportedRecords()
            #expect(records.map(\.event.requestID) == ["r1"])
            #expect(records.map(\.event.decision) == [.accepted])
            #expect(try await store.verifyAuditChain() == .intact(count: 1, lastHash: records[0].hash))
        }
    }

    @Test("An answer given from a cancelled task is still stored: the action already happened", arguments: StoreBackend.allCases)
    func cancelledCompletionIsStored(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.claim("r1")
            let completion = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await store.complete("r1")
            }
            try await completion.value
            #expect(try await store.storedResponse(requestID: "r1", caller: "jira") == Fixtures.response(requestID: "r1"))
        }
    }

    @Test("A non-positive expiry is refused", arguments: StoreBackend.allCases, [Duration.zero, .seconds(-1)])
    func nonPositiveExpiryIsRefused(_ backend: StoreBackend, expiry: Duration) async throws {
        try await backend.withStore { store in
            await #expect(throws: StoreError.invalidArgument) { try await store.claim("r1", expiresAfter: expiry) }
        }
    }

    @Test("Fifty concurrent claims of one key: exactly one may act", arguments: StoreBackend.allCases)
    func concurrentClaimsHaveOneWinner(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let claims = try await withThrowingTaskGroup(of: (String, DeliveryClaim).self) { group in
                for attempt in 0..<50 {
                    group.addTask { ("r\(attempt)", try await store.claim("r\(attempt)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = claims.filter { $0.1 == .claimed(recoveredFromCrash: false) }
            #expect(claims.count == 50)
            try #require(winners.count == 1)
            #expect(claims.filter { $0.1 == .inFlight(requestID: winners[0].0) }.count == 49)
        }
    }

    @Test("Purging deletes expired deliveries, answered or not, and nothing else", arguments: StoreBackend.allCases)
    func purgeDeletesExpired(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let answered = DeliveryKey(caller: "jira", deliveryID: "answered")
            let abandoned = DeliveryKey(caller: "jira", deliveryID: "abandoned")
            let long = DeliveryKey(caller: "jira", deliveryID: "long")
            _ = try await store.claim("r1", key: answered, expiresAfter: .seconds(60))
            try await store.complete("r1", key: answered)
            _ = try await store.claim("r2", key: abandoned, expiresAfter: .seconds(60))
            _ = try await store.claim("r3", key: long)
            try await store.complete("r3", key: long)

            #expect(try await store.purgeExpiredDeliveries(now: Fixtures.start.addingTimeInterval(59)) == 0)
            #expect(try await store.purgeExpiredDeliveries(now: Fixtures.start.addingTimeInterval(60)) == 2)
            #expect(try await store.purgeExpiredDeliveries(now: Fixtures.start.addingTimeInterval(60)) == 0)
            #expect(try await store.storedResponse(requestID: "r1", caller: "jira") == nil)
            #expect(try await store.storedResponse(requestID: "r3", caller: "jira") == Fixtures.response(requestID: "r3"))
        }
    }
}
