import Foundation
import GRDB

/// A row of the `delivery` table: one delivery key with its claim and, once answered, its response.
struct DeliveryRow: TableRecord, Sendable {
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

    /// Every column but the rowid, in the order ``insertReplacing(_:)`` binds them and ``init(_:)`` reads them.
    private static let columns = [
        Columns.caller, Columns.deliveryID, Columns.fingerprint, Columns.requestID, Columns.claimedAt, Columns.expiresAt,
        Columns.responseStatus, Columns.responseContentType, Columns.responseBody, Columns.completedAt, Columns.reopensAt,
    ]

    var key: DeliveryKey
    var delivery: StoredDelivery

    init(key: DeliveryKey, delivery: StoredDelivery) {
        self.key = key
        self.delivery = delivery
    }

    /// Reads a row selected with ``columns``, in that order.
    init(_ row: ColumnReader) throws {
        self.key = DeliveryKey(caller: try row.text(0), deliveryID: try row.text(1))
        let requestID = try row.text(3)
        var response: StoredResponse?
        if let completedAt = row.optionalInteger(9) {
            response = StoredResponse(
                statusCode: Int(try row.integer(6)),
                contentType: try row.text(7),
                body: row.optionalBlob(8) ?? Data(),
                requestID: requestID,
                completedAt: Date(millisecondsSince1970: completedAt)
            )
        }
        self.delivery = StoredDelivery(
            fingerprint: try row.text(2),
            requestID: requestID,
            claimedAt: Date(millisecondsSince1970: try row.integer(4)),
            expiresAt: Date(millisecondsSince1970: try row.integer(5)),
            response: response,
            reopensAt: row.optionalInteger(10).map(Date.init(millisecondsSince1970:))
        )
    }

    /// Inserts the row, replacing the row of the same key.
    func insertReplacing(_ db: Database) throws {
        let response = self.delivery.response
        try DirectStatement(db, sql: Self.insertReplacingSQL).execute([
            SQLValue(self.key.caller), SQLValue(self.key.deliveryID), SQLValue(self.delivery.fingerprint), SQLValue(self.delivery.requestID),
            SQLValue(self.delivery.claimedAt.millisecondsSince1970), SQLValue(self.delivery.expiresAt.millisecondsSince1970),
            SQLValue(response?.statusCode), SQLValue(response?.contentType), SQLValue(response?.body),
            SQLValue(response?.completedAt.millisecondsSince1970), SQLValue(self.delivery.reopensAt?.millisecondsSince1970),
        ])
    }

    /// The row of one key.
    static func fetch(_ key: DeliveryKey, in db: Database) throws -> DeliveryRow? {
        try DirectStatement(db, sql: Self.selectByKeySQL).first([SQLValue(key.caller), SQLValue(key.deliveryID)], DeliveryRow.init)
    }

    /// The latest answered row of a request, for `GET /v1/actions/{request_id}`.
    static func fetchAnswered(requestID: String, caller: String, in db: Database) throws -> DeliveryRow? {
        try DirectStatement(db, sql: Self.selectAnsweredByRequestSQL).first([SQLValue(caller), SQLValue(requestID)], DeliveryRow.init)
    }

    private static let insertReplacingSQL = SQLText.insert(into: Self.databaseTableName, columns: Self.columns, orReplace: true)
    private static let selectByKeySQL = SQLText.select(Self.columns, from: Self.databaseTableName, where: [Columns.caller, Columns.deliveryID])
    private static let selectAnsweredByRequestSQL =
        SQLText.select(Self.columns, from: Self.databaseTableName, where: [Columns.caller, Columns.requestID])
        + " AND completed_at IS NOT NULL ORDER BY completed_at DESC LIMIT 1"
}
