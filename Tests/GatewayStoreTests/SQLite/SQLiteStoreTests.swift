import Foundation
import GRDB
import Testing

@testable import GatewayStore

/// What only the SQLite backend has: its connection settings, its configuration's bounds and its file errors.
@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("The writer connection uses WAL, synchronous FULL, a busy timeout and foreign keys")
    func connectionIsConfiguredForDurability() async throws {
        try await withStore { store in
            let settings = try await store.pool.writeWithoutTransaction { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                    try Int.fetchOne(db, sql: "PRAGMA busy_timeout"),
                    try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
                )
            }
            #expect(settings.0 == "wal")
            #expect(settings.1 == 2, "2 is FULL: the WAL is fsynced at every commit")
            #expect(settings.2 == 5000)
            #expect(settings.3 == 1)
        }
    }

    @Test("A configuration value out of range is refused")
    func invalidConfigurationIsRefused() async throws {
        try await withDatabasePath { path in
            await #expect(throws: StoreError.invalidArgument) {
                try await SQLiteGatewayStore.open(path: path, configuration: SQLiteGatewayStore.Configuration(staleClaimAfter: .zero))
            }
            await #expect(throws: StoreError.invalidArgument) {
                try await SQLiteGatewayStore.open(path: path, configuration: SQLiteGatewayStore.Configuration(maximumBatchSize: 0))
            }
        }
    }

    @Test("A file that cannot be opened is a database failure that prints no detail")
    func unopenableFileFails() async throws {
        try await withDatabasePath { path in
            let missingDirectory = path + ".d/nested/gateway.sqlite"
            let error = await #expect(throws: StoreError.databaseFailure) {
                try await SQLiteGatewayStore.open(path: missingDirectory)
            }
            #expect(error?.description == "StoreError.database_failure")
            #expect(error?.underlyingError != nil)
        }
    }
}
