import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

extension PostgresGatewayStore {
    /// Where the database is and how the store uses it.
    public struct Configuration: Sendable {
        /// The server's host name or address.
        public var host: String
        /// The server's port; 5432 by default.
        public var port: Int
        /// The role the gateway logs in as.
        public var username: String
        /// The role's password, resolved from a secret reference; `nil` for trust or certificate authentication.
        public var password: String?
        /// The database.
        public var database: String
        /// How the connection is protected, with libpq's `sslmode` meanings.
        public var tls: TLSMode
        /// The certificate authorities that verify the server (libpq's `sslrootcert`); the system's when `nil`.
        public var rootCertificatePath: String?
        /// The most connections this process opens (the pool's size). A target's lock holds one connection for
        /// the length of its change, and the writer one per batch, so leave room for both.
        public var maximumConnections: Int = 10
        /// How long an operation waits for a connection before the store reports itself unavailable: the bound on
        /// how long a request waits while the database is unreachable. Also the start-up deadline.
        public var connectTimeout: Duration = .seconds(10)
        /// How long one operation (a write batch, a read) may run on its connection before the connection is closed
        /// and the store reports itself unavailable: the bound on a request stuck on a server that stopped answering
        /// (a failover, a partition).
        public var operationTimeout: Duration = .seconds(5)
        /// As for SQLite: how long an unanswered claim blocks its key before another attempt may take it over.
        public var staleClaimAfter: Duration = .seconds(60)
        /// The most writes one transaction takes.
        public var maximumBatchSize: Int = 256
        /// The most queued writes past which a claim is refused with ``StoreError/overloaded``.
        public var maximumQueuedWrites: Int = 4096
        /// Records per page read by an export.
        public var exportPageSize: Int = 500
        public var logger: Logger = Logger(label: "segura-gateway.store")

        public init(host: String, port: Int = 5432, username: String, password: String?, database: String, tls: TLSMode) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.tls = tls
        }

        /// Reads a libpq-style URL, `postgres://user@host:port/database?sslmode=verify-full&sslrootcert=/ca.pem`.
        ///
        /// The password comes separately, from a secret reference: a URL is copied into logs, tickets and
        /// process listings, so one that carries a password is refused. `sslmode` defaults to `verify-full`.
        public init(url text: String, password: String?) throws(PostgresURLError) {
            guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql" else {
                throw PostgresURLError("must be a postgres:// URL, such as postgres://segura_gateway@db.example.com:5432/segura_gateway")
            }
            guard url.password == nil else {
                throw PostgresURLError("must not contain a password: give it as store.postgres.password (env:NAME or file:/path)")
            }
            guard let host = url.host, !host.isEmpty else { throw PostgresURLError("names no host") }
            guard let user = url.user, !user.isEmpty else { throw PostgresURLError("names no user (postgres://USER@host/database)") }
            let database = String(url.path.dropFirst())
            guard !database.isEmpty, !database.contains("/") else { throw PostgresURLError("names no database (postgres://user@host/DATABASE)") }
            var tls = TLSMode.verifyFull
            var rootCertificatePath: String?
            for item in url.queryItems ?? [] {
                switch item.name {
                case "sslmode":
                    guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                        throw PostgresURLError("sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    tls = mode
                case "sslrootcert":
                    guard let path = item.value, path.hasPrefix("/") else { throw PostgresURLError("sslrootcert must be an absolute path") }
                    rootCertificatePath = path
                default:
                    throw PostgresURLError("has the unsupported parameter \(item.name); supported: sslmode, sslrootcert")
                }
            }
            self.init(host: host, port: url.port ?? 5432, username: user, password: password, database: database, tls: tls)
            self.rootCertificatePath = rootCertificatePath
        }

        /// The same settings as a URL, without a password: safe to log.
        public var redactedURL: String {
            "postgres://\(self.username)@\(self.host):\(self.port)/\(self.database)?sslmode=\(self.tls.rawValue)"
        }

        func client() -> PostgresClient.Configuration {
            let tls: PostgresClient.Configuration.TLS =
                switch self.tlsSettings() {
                case nil: .disable
                case (let settings, let required)?: required ? .require(settings) : .prefer(settings)
                }
            var configuration = PostgresClient.Configuration(
                host: self.host, port: self.port, username: self.username, password: self.password, database: self.database, tls: tls
            )
            configuration.options.maximumConnections = self.maximumConnections
            configuration.options.connectTimeout = self.connectTimeout
            configuration.options.tlsServerName = self.serverName
            return configuration
        }

        /// The same settings for one connection outside the pool.
        func connection() throws -> PostgresConnection.Configuration {
            let tls: PostgresConnection.Configuration.TLS =
                switch self.tlsSettings() {
                case nil: .disable
                case (let settings, let required)?:
                    required ? .require(try NIOSSLContext(configuration: settings)) : .prefer(try NIOSSLContext(configuration: settings))
                }
            var configuration = PostgresConnection.Configuration(
                host: self.host, port: self.port, username: self.username, password: self.password, database: self.database, tls: tls
            )
            configuration.options.connectTimeout = .init(self.connectTimeout)
            configuration.options.tlsServerName = self.serverName
            return configuration
        }

        /// The name `verify-full` checks the certificate against, sent as SNI. An address is not a server name:
        /// for one, the certificate is checked against the address connected to instead.
        private var serverName: String? {
            guard self.tls == .verifyFull, (try? SocketAddress(ipAddress: self.host, port: 0)) == nil else { return nil }
            return self.host
        }

        /// The TLS settings `sslmode` means, and whether a server without TLS is refused; `nil` for `disable`.
        private func tlsSettings() -> (TLSConfiguration, required: Bool)? {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let path = self.rootCertificatePath {
                tls.trustRoots = .file(path)
            }
            switch self.tls {
            case .disable:
                return nil
            case .prefer:
                tls.certificateVerification = .none
                return (tls, false)
            case .require:
                tls.certificateVerification = .none
                return (tls, true)
            case .verifyCA:
                tls.certificateVerification = .noHostnameVerification
                return (tls, true)
            case .verifyFull:
                tls.certificateVerification = .fullVerification
                return (tls, true)
            }
        }
    }

    /// libpq's `sslmode` values. Only `verify-ca` and `verify-full` authenticate the server; `verify-full`
    /// (the default) also checks that its certificate names the host connected to.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }
}

/// Why a PostgreSQL URL cannot be used; the message never repeats the URL (it could carry a password).
public struct PostgresURLError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
