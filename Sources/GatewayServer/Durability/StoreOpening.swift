import GatewayPostgresStore
import GatewayStore
import Logging

extension GatewayConfiguration {
    /// Opens the store the configuration names: PostgreSQL when `store.postgres` is given, otherwise the SQLite
    /// file at `store.path`, or the benchmark's ``TransientStore`` when durable state is off.
    ///
    /// - Throws: ``StoreOpeningError``, saying which store and why, so `serve` exits with the reason.
    public func openStore(logger: Logger) async throws -> any GatewayStore {
        guard self.keepsDurableState else { return TransientStore() }
        if var postgres = self.postgres {
            postgres.logger = logger
            do {
                return try await PostgresGatewayStore.open(configuration: postgres)
            } catch {
                throw StoreOpeningError(store: postgres.redactedURL, error)
            }
        }
        do {
            return try await SQLiteGatewayStore.open(path: self.storePath, configuration: .init(staleClaimAfter: self.staleClaimAfter, logger: logger))
        } catch {
            throw StoreOpeningError(store: self.storePath, error)
        }
    }

    /// The store, as a log line or `check-config` names it (never with a password).
    public var storeDescription: String {
        if let postgres = self.postgres { return "PostgreSQL \(postgres.redactedURL)" }
        return self.keepsDurableState ? "SQLite \(self.storePath)" : "none (nothing is kept)"
    }
}

/// The store could not be opened at start-up: `serve` exits with this message.
public struct StoreOpeningError: Error, CustomStringConvertible {
    public let description: String

    init(store: String, _ error: any Error) {
        // The database's own report (connection refused, authentication failed, a certificate not trusted) is the
        // reason an operator needs; it holds no password, and no data, since nothing was read yet.
        let reason = (error as? StoreError)?.underlyingError.map { String(reflecting: $0) } ?? String(describing: error)
        let kind = (error as? StoreError) == .unavailable ? "could not be reached" : "could not be opened"
        self.description = "the store \(store) \(kind): \(reason)"
    }
}
