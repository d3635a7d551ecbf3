import Foundation
import GatewayPostgresStore
import Logging
import PostgresNIO

/// A fresh, empty PostgreSQL database for one test, on the server named by `SEGURA_TEST_POSTGRES_URL`
/// (`make test` starts one with `scripts/with-postgres`; by hand: `eval "$(scripts/postgres-server start DIR)"`).
///
/// The database is created by the URL's role (which needs `CREATEDB`) and dropped afterwards, so tests never see
/// each other's rows and can run in parallel.
public struct PostgresTestDatabase: Sendable {
    /// The settings to open a store on this database; the password travels apart from the URL, as in production.
    public let configuration: PostgresGatewayStore.Configuration

    /// The server's URL with the password removed, and the password: what a configuration file would hold.
    public static func serverSettings() throws -> (url: URLComponents, password: String?) {
        guard let text = ProcessInfo.processInfo.environment["SEGURA_TEST_POSTGRES_URL"], var url = URLComponents(string: text) else {
            throw PostgresTestServerMissing()
        }
        let password = url.password
        url.password = nil
        return (url, password)
    }

    /// Creates a database, runs `body` with it and drops it.
    public static func withFresh<T>(_ body: (PostgresTestDatabase) async throws -> T) async throws -> T {
        let (server, password) = try Self.serverSettings()
        let name = "gateway_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await Self.administer(server: server, password: password, "CREATE DATABASE \(name)")
        var url = server
        url.path = "/\(name)"
        let configuration = try PostgresGatewayStore.Configuration(url: url.string ?? "", password: password)
        let database = PostgresTestDatabase(configuration: configuration)
        do {
            let result = try await body(database)
            try await Self.administer(server: server, password: password, "DROP DATABASE \(name) WITH (FORCE)")
            return result
        } catch {
            try? await Self.administer(server: server, password: password, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Runs one statement on the server's own database, outside any transaction (`CREATE DATABASE` needs that).
    public static func administer(server: URLComponents, password: String?, _ sql: String) async throws {
        let settings = try PostgresGatewayStore.Configuration(url: server.string ?? "", password: password)
        let logger = Logger(label: "test.postgres")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: settings.host, port: settings.port, username: settings.username, password: password, database: settings.database, tls: .disable),
            id: 1, logger: logger
        )
        defer { Self.close(connection) }
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Closes without waiting for the close to be reported, which postgres-nio does not always do; the callback
    /// keeps the connection alive until it is closed, as postgres-nio requires.
    private static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}

/// `SEGURA_TEST_POSTGRES_URL` is not set: the PostgreSQL cases cannot run, and fail rather than pass unseen.
public struct PostgresTestServerMissing: Error, CustomStringConvertible {
    public var description: String {
        "SEGURA_TEST_POSTGRES_URL is not set: run `make test`, or `eval \"$(scripts/postgres-server start /tmp/segura-pg)\"` before `swift test`"
    }
}
