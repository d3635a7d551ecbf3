import Foundation
import GatewayPostgresStore
import GatewayStore
import Testing
import TestSupport

/// The PostgreSQL trail edited directly, as its owner could: the append-only triggers refuse it, and once they are
/// disabled, verification names the record.
@Suite("PostgreSQL audit tamper detection")
struct PostgresAuditTamperTests {
    @Test("The triggers refuse an edit of the person who asked, and an edit made without them is detected at its record")
    func editedPersonIsDetected() async throws {
        try await PostgresTestDatabase.withFresh { database in
            let store = try await PostgresGatewayStore.open(configuration: database.configuration)
            var chat = Fixtures.event(2)
            chat.requestedBy = "ana.souza"
            chat.platform = "slack"
            var records: [AuditRecord] = []
            for event in [Fixtures.event(1), chat, Fixtures.event(3)] {
                records.append(try await store.appendAudit(event))
            }
            let intact = AuditVerification.intact(count: 3, lastHash: records[2].hash)
            #expect(try await store.verifyAuditChain() == intact)

            let (server, password) = try PostgresTestDatabase.serverSettings()
            var url = server
            url.path = "/\(database.configuration.database)"
            let edit = "UPDATE audit SET requested_by = 'someone-else' WHERE sequence = 2"
            await #expect(throws: (any Error).self) { try await PostgresTestDatabase.administer(server: url, password: password, edit) }
            #expect(try await store.verifyAuditChain() == intact)

            try await PostgresTestDatabase.administer(server: url, password: password, "ALTER TABLE audit DISABLE TRIGGER audit_is_append_only")
            try await PostgresTestDatabase.administer(server: url, password: password, edit)
            #expect(try await store.verifyAuditChain() == .broken(atSequence: 2, reason: .recordAltered))
            try await store.close()
        }
    }
}
