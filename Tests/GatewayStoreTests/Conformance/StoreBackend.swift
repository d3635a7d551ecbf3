import Foundation
import GatewayPostgresStore
import GatewayStore
import Testing
import TestSupport

/// The store backends the conformance suite runs against. Every suite under `Conformance/` takes a backend as its
/// first argument and speaks only the ``GatewayStore`` protocols, so a new backend joins by adding a case here
/// (and how to open it); the suites themselves stay as they are.
enum StoreBackend: CaseIterable, Sendable, CustomTestStringConvertible {
    /// The embedded store: a SQLite file in a fresh temporary directory.
    case sqlite
    /// PostgreSQL: a fresh database on the server `SEGURA_TEST_POSTGRES_URL` names (``PostgresTestDatabase``).
    case postgres

    var testDescription: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }

    /// The settings a conformance test may change, whatever the backend.
    struct Settings: Sendable {
        var staleClaimAfter: Duration = .seconds(60)
        var exportPageSize: Int = 500
    }

    /// Runs `body` with a store on a fresh, empty database, closing it afterwards.
    @discardableResult
    func withStore<T>(_ settings: Settings = Settings(), _ body: (any GatewayStore) async throws -> T) async throws -> T {
        try await self.withDatabase(settings) { database in
            let store = try await database.open()
            let result = try await body(store)
            try await store.close()
            return result
        }
    }

    /// Runs `body` with a fresh, empty database that it may open several stores on, at once or one after the
    /// other (as two replicas, or a process and its restart); each store it opens it must close.
    @discardableResult
    func withDatabase<T>(_ settings: Settings = Settings(), _ body: (Database) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            try await withDatabasePath { path in
                try await body(Database { try await SQLiteGatewayStore.open(path: path, configuration: settings.sqlite) })
            }
        case .postgres:
            try await PostgresTestDatabase.withFresh { database in
                var configuration = database.configuration
                configuration.staleClaimAfter = settings.staleClaimAfter
                configuration.exportPageSize = settings.exportPageSize
                return try await body(Database { try await PostgresGatewayStore.open(configuration: configuration) })
            }
        }
    }

    /// One database of a backend, on which stores can be opened.
    struct Database {
        let open: () async throws -> any GatewayStore
    }
}

extension StoreBackend.Settings {
    var sqlite: SQLiteGatewayStore.Configuration {
        SQLiteGatewayStore.Configuration(staleClaimAfter: self.staleClaimAfter, exportPageSize: self.exportPageSize)
    }
}
