import Foundation
import GRDB

/// A row of the `delivery` table: one delivery key with its claim and, once answered, its response.
struct DeliveryRow: FetchableRecord, TableRecord, Sendable {
    enum Columns {
        static let caller = Column("caller")
        static let deliveryID = Column("delivery_id")
        static let fingerprint = Column("fingerprint")
        static let requestID = Column("request_id")
        static let claimedAt = Column("claimed_at")
        static let expiresAt = Column("expires_at")
        static let responseStatus = Column("response_status")
        static let responseContentType = Column("response_content_type")
        static let responseBody = Column("response_body")
        static let completedAt = Column("completed_at")
        static let reopensAt = Column("reopens_at")
    }

    static var databaseTableName: String { "delivery" }

    /// Every column but the rowid, in the order ``insertReplacing(_:)`` binds its values.
    private static let columns = [
        Columns.caller, Columns.deliveryID, Columns.fingerprint, Columns.requestID, Columns.claimedAt, Columns.expiresAt,
        Columns.responseStatus, Columns.responseContentType, Columns.responseBody, Columns.completedAt, Columns.reopensAt,
    ]

    static var databaseSelection: [any SQLSelectable] { Self.columns }

    var key: DeliveryKey
    var delivery: StoredDelivery

    init(key: DeliveryKey, delivery: StoredDelivery) {
        self.key = key
        self.delivery = delivery
    }

    init(row: Row) throws {
        self.key = DeliveryKey(caller: try row.decode(forColumn: Columns.caller), deliveryID: try row.decode(forColumn: Columns.deliveryID))
        let requestID: String = try row.decode(forColumn: Columns.requestID)
        let reopensAt: Int64? = try row.decode(forColumn: Columns.reopensAt)
        var response: StoredResponse?
        if let completedAt: Int64 = try row.decode(forColumn: Columns.completedAt) {
            let body: Data? = try row.decode(forColumn: Columns.responseBody)
            response = StoredResponse(
                statusCode: try row.decode(forColumn: Columns.responseStatus),
                contentType: try row.decode(forColumn: Columns.responseContentType),
                body: body ?? Data(),
                requestID: requestID,
                completedAt: Date(millisecondsSince1970: completedAt)
            )
        }
        self.delivery = StoredDelivery(
            fingerprint: try row.decode(forColumn: Columns.fingerprint),
            requestID: requestID,
            claimedAt: Date(millisecondsSince1970: try row.decode(forColumn: Columns.claimedAt)),
            expiresAt: Date(millisecondsSince1970: try row.decode(forColumn: Columns.expiresAt)),
            response: response,
            reopensAt: reopensAt.map(Date.init(millisecondsSince1970:))
        )
    }

    /// Inserts the row, replacing the row of the same key, through a cached prepared statement.
    func insertReplacing(_ db: Database) throws {
        let response = self.delivery.response
        let values: [(any DatabaseValueConvertible)?] = [
            self.key.caller, self.key.deliveryID, self.delivery.fingerprint, self.delivery.requestID,
            self.delivery.claimedAt.millisecondsSince1970, self.delivery.expiresAt.millisecondsSince1970, response?.statusCode,
            response?.contentType, response?.body, response?.completedAt.millisecondsSince1970,
            self.delivery.reopensAt?.millisecondsSince1970,
        ]
        try db.cachedStatement(sql: Self.insertReplacingSQL).execute(arguments: StatementArguments(values))
    }

    private static let insertReplacingSQL = SQLText.insert(into: Self.databaseTableName, columns: Self.columns, orReplace: true)

    /// Selects the row of one key; arguments: caller, delivery id. Used with a cached statement on the claim path.
    static let selectByKeySQL = SQLText.select(Self.columns, from: Self.databaseTableName, where: [Columns.caller, Columns.deliveryID])
}
