import Foundation
import GatewayPostgresStore
import GatewayStore
import GatewayVocabulary
import Testing
import TestSupport

/// The target lock across processes: two stores on one database (as two replicas) never hold one target's lock at
/// once, and a lock whose connection the server ended (a restart, a failover) still lets its holder finish.
@Suite("PostgreSQL target locks")
struct PostgresTargetLockTests {
    @Test func aLockWhoseSessionTheServerEndedStillReturns() async throws {
        try await PostgresTestDatabase.withFresh { database in
            let store = try await PostgresGatewayStore.open(configuration: database.configuration)
            let (server, password) = try PostgresTestDatabase.serverSettings()
            let clock = ContinuousClock()
            let start = clock.now
            let value = try await store.withTargetLock(Target(kind: .credential, id: 7), whileWaiting: nil) {
                try await PostgresTestDatabase.administer(
                    server: server, password: password,
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database.configuration.database)' AND pid <> pg_backend_pid()"
                )
                return 42
            }
            #expect(value == 42)
            #expect(clock.now - start < .seconds(5), "the change's answer does not wait for an unlock the ended session cannot answer")
            // The pool may hand out another connection the server ended; that attempt fails as unavailable, and the
            // next gets a fresh one. The lock itself must be free.
            var again: Int?
            for _ in 0..<5 where again == nil {
                again = try? await store.withTargetLock(Target(kind: .credential, id: 7), whileWaiting: nil) { 43 }
            }
            #expect(again == 43, "the target is free again: the server dropped the ended session's lock")
            try await store.close()
        }
    }
}
