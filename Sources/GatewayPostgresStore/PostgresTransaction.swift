import GatewayStore
import Logging
import PostgresNIO

/// `BEGIN` … `COMMIT` on one connection, rolled back when `body` throws, and `body`'s own error rethrown (not
/// wrapped, as postgres-nio's `withTransaction` does), so a ``GatewayStore/StoreError`` thrown inside keeps its kind.
enum PostgresTransaction {
    static func run<T>(
        on connection: PostgresConnection, isolation: String = "READ COMMITTED", logger: Logger,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await connection.query(PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation)"), logger: logger)
        let value: T
        do {
            value = try await body(connection)
        } catch {
            // A failed rollback means the connection is broken; the server rolls back when it closes.
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        try await connection.query("COMMIT", logger: logger)
        return value
    }
}

extension PostgresRowSequence {
    /// The first row's columns, or `nil` when there is none (the rest are read and dropped).
    func first<each Column: PostgresDecodable>(_ types: (repeat each Column).Type) async throws -> (repeat each Column)? {
        var result: (repeat each Column)?
        for try await row in self where result == nil {
            result = try row.decode((repeat each Column).self)
        }
        return result
    }

    /// How many rows the statement returned: `DELETE … RETURNING 1` tells how many it removed.
    func count() async throws -> Int {
        var rows = 0
        for try await _ in self { rows += 1 }
        return rows
    }

    /// Whether the statement returned at least one row: `UPDATE … RETURNING 1` tells whether it changed one.
    func isEmpty() async throws -> Bool {
        try await self.count() == 0
    }
}

extension StoreError {
    /// Maps a postgres-nio error onto a store error that prints no SQL; store errors and cancellation pass through.
    ///
    /// Failures to reach the server or of the connection are ``StoreError/unavailable``; serialization failures
    /// and deadlocks (SQLSTATE class 40) are ``StoreError/busy``; everything else is a database failure.
    static func wrappingPostgres(_ error: any Error) -> any Error {
        switch error {
        case is StoreError, is CancellationError:
            return error
        case is PostgresDecodingError:
            // A stored value of the wrong type: the database was edited by hand, as SQLite's row decoding errors.
            return StoreError.corruptedData(error)
        case let error as PSQLError:
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                if state.hasPrefix("40") { return StoreError.busy(error) }
                // 08: connection exception; 57P: the server is shutting down or restarting.
                if state.hasPrefix("08") || state.hasPrefix("57P") { return StoreError.unavailable(error) }
                return StoreError.databaseFailure(error)
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .sslUnsupported,
                .failedToAddSSLHandler:
                return StoreError.unavailable(error)
            default:
                return StoreError.databaseFailure(error)
            }
        default:
            // The pool's own errors (a tripped circuit breaker, a lease that was cancelled) and TLS handshake
            // failures: the database was not reached.
            return StoreError.unavailable(error)
        }
    }
}
