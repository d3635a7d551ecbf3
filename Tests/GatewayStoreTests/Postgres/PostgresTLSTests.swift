import Foundation
import GatewayPostgresStore
import GatewayStore
import Testing
import TestSupport

/// `sslmode` keeps libpq's meaning against a real server with TLS on (`scripts/with-postgres` starts it with a
/// throw-away CA, `SEGURA_TEST_POSTGRES_CA`): `verify-full` connects only when the server's certificate chains to the
/// given authority and names the host; `require` encrypts without checking who answers.
@Suite("PostgreSQL TLS")
struct PostgresTLSTests {
    @Test func verifyFullTrustsOnlyTheGivenAuthority() async throws {
        let authority = try #require(ProcessInfo.processInfo.environment["SEGURA_TEST_POSTGRES_CA"], "the test server runs with TLS (--tls)")
        try await PostgresTestDatabase.withFresh { database in
            var verified = database.configuration
            verified.tls = .verifyFull
            verified.rootCertificatePath = authority
            let store = try await PostgresGatewayStore.open(configuration: verified)
            #expect(try await store.auditHead() == .genesis)
            try await store.close()

            var encryptedOnly = database.configuration
            encryptedOnly.tls = .require
            let unverified = try await PostgresGatewayStore.open(configuration: encryptedOnly)
            #expect(try await unverified.auditHead() == .genesis)
            try await unverified.close()

            var untrusted = database.configuration
            untrusted.tls = .verifyFull
            untrusted.rootCertificatePath = nil
            untrusted.connectTimeout = .seconds(2)
            let error = await #expect(throws: StoreError.self) { try await PostgresGatewayStore.open(configuration: untrusted) }
            #expect(error == .unavailable, "the system's authorities do not vouch for the test server")
        }
    }
}
