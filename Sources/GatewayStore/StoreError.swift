/// Why a store operation failed.
///
/// A struct wrapping a private code, like async-http-client's `HTTPClientError`, so kinds can be added
/// without breaking callers. ``description`` names the kind only: the underlying database error can carry
/// SQL text and bound values (tickets, caller names), so it is kept in ``underlyingError`` for debug logs and
/// never printed by default. Two errors are equal when their kinds are equal.
public struct StoreError: Error, Hashable, CustomStringConvertible {
    private enum Code: String, Hashable {
        case closed
        case invalidArgument = "invalid_argument"
        case busy
        case overloaded
        case corruptedData = "corrupted_data"
        case databaseFailure = "database_failure"
        case notDurable = "not_durable"
        case unavailable
    }

    private let code: Code
    /// The backend's own error, if any. It may contain SQL and data: log it with `String(reflecting:)` at
    /// debug level only, never in a response.
    public let underlyingError: (any Error)?

    private init(_ code: Code, underlyingError: (any Error)? = nil) {
        self.code = code
        self.underlyingError = underlyingError
    }

    /// A short, fixed name for the failure kind, safe to use as a metric label.
    public var shortDescription: String { self.code.rawValue }

    public var description: String { "StoreError.\(self.code.rawValue)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }

    /// The store was closed; nothing was written.
    public static let closed = Self(.closed)
    /// An argument was out of range (for example a non-positive expiry); nothing was written.
    public static let invalidArgument = Self(.invalidArgument)
    /// The database stayed locked by another connection for longer than the busy timeout; retrying may work.
    public static let busy = Self(.busy)
    /// Too many writes that may be refused were already queued; nothing was written, and retrying later may work.
    public static let overloaded = Self(.overloaded)
    /// A stored value has the wrong type or is missing: the file was damaged or edited by hand.
    public static let corruptedData = Self(.corruptedData)
    /// Any other database failure (disk full, I/O error, unreadable file).
    public static let databaseFailure = Self(.databaseFailure)
    /// The database could not be reached (no connection within the connect timeout, or the connection broke);
    /// nothing was written, and retrying once it is back may work.
    public static let unavailable = Self(.unavailable)
    /// The store keeps nothing (``TransientStore``), so it cannot hold what was asked of it (a grant's timer).
    public static let notDurable = Self(.notDurable)

    package static func unavailable(_ underlyingError: any Error) -> Self { Self(.unavailable, underlyingError: underlyingError) }
    package static func busy(_ underlyingError: any Error) -> Self { Self(.busy, underlyingError: underlyingError) }
    package static func corruptedData(_ underlyingError: any Error) -> Self { Self(.corruptedData, underlyingError: underlyingError) }
    package static func databaseFailure(_ underlyingError: any Error) -> Self { Self(.databaseFailure, underlyingError: underlyingError) }
}
