import Foundation
import GatewayStore
import Testing

@Suite("Stored response lookup")
struct StoredResponseLookupTests {
    @Test("A caller finds its own answer by request id, and only its own", arguments: StoreBackend.allCases)
    func lookupIsScopedToTheCaller(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.claim("r1")
            try await store.complete("r1")

            #expect(try await store.storedResponse(requestID: "r1", caller: "jira") == Fixtures.response(requestID: "r1"))
            #expect(try await store.storedResponse(requestID: "r1", caller: "slack") == nil)
            #expect(try await store.storedResponse(requestID: "r2", caller: "jira") == nil)
        }
    }

    @Test("A key made for one request (no delivery id) is claimed without a lookup, answered and found by request id", arguments: StoreBackend.allCases)
    func freshKeyIsClaimedAndFound(_ backend: StoreBackend) async throws {
        try await backend.withStore { store async throws in
            let key = DeliveryKey(caller: "jira", deliveryID: "request:r7")
            #expect(try await store.claim("r7", key: key, isFreshKey: true) == .claimed(recoveredFromCrash: false))
            #expect(try await store.complete("r7", key: key))
            #expect(try await store.storedResponse(requestID: "r7", caller: "jira") == Fixtures.response(requestID: "r7"))
        }
    }

    @Test("An unanswered claim has no stored response yet", arguments: StoreBackend.allCases)
    func unansweredClaimIsNotFound(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.claim("r1")
            #expect(try await store.storedResponse(requestID: "r1", caller: "jira") == nil)
        }
    }
}
