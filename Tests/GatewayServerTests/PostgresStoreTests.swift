import Foundation
import GatewayAPI
import GatewayPostgresStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SeguraSimulator
import Testing
import TestSupport

@testable import GatewayServer

/// The gateway on a PostgreSQL store, over loopback against the simulator: it serves as on SQLite, and when the
/// database goes out of reach, it answers 503 `store_unavailable` within the connect timeout, reports itself not
/// ready, acts on nothing, and serves again once the database is back.
///
/// The outage is real: the test's database stops accepting connections (`ALLOW_CONNECTIONS false`) and the
/// gateway's sessions are ended, as a failover or a network partition would end them.
@Suite("The gateway on PostgreSQL")
struct PostgresStoreTests {
    @Test func aDatabaseOutOfReachAnswersUnavailableActsOnNothingAndRecovers() async throws {
        try await PostgresTestDatabase.withFresh { database in
            try await withGateway(configure: { configuration in
                var postgres = database.configuration
                postgres.connectTimeout = .seconds(2)
                postgres.operationTimeout = .seconds(2)
                configuration.postgres = postgres
            }) { gateway in
                // Run from the server's own database: the test's database is about to refuse connections.
                let (server, password) = try PostgresTestDatabase.serverSettings()
                let administer = { (sql: String) in try await PostgresTestDatabase.administer(server: server, password: password, sql) }
                let first = try await gateway.post(structured(id: 42))
                #expect(first.status == .ok)

                try await administer("ALTER DATABASE \(database.configuration.database) WITH ALLOW_CONNECTIONS false")
                try await administer(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database.configuration.database)' AND pid <> pg_backend_pid()"
                )
                let clock = ContinuousClock()
                let start = clock.now
                let refused = try await gateway.post(structured("disable", id: 42))
                #expect(clock.now - start < .seconds(8), "bounded by the connect and operation timeouts, not queued behind the outage")
                #expect(refused.status == .serviceUnavailable)
                let result = try expectConforms(refused)
                #expect(result.error?.code == .storeUnavailable && result.outcome == .notApplied)
                let readiness = try await gateway.get("/readyz", as: nil)
                #expect(readiness.status == .serviceUnavailable)
                #expect(String(buffer: readiness.body).contains("\"store\":\"store_unavailable\""))
                #expect(gateway.simulator.stats.apiCalls == 1, "nothing is acted on while the store is out of reach")

                try await administer("ALTER DATABASE \(database.configuration.database) WITH ALLOW_CONNECTIONS true")
                let retried = try await eventually("the gateway serves again once the database is back", timeout: .seconds(30)) {
                    let response = try await gateway.post(structured("disable", id: 42))
                    return response.status == .ok ? response : nil
                }
                #expect(try expectConforms(retried).outcome == .applied)
                #expect(gateway.simulator.stats.apiCalls == 2)
            }
        }
    }
}
