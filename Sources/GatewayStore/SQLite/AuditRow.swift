import Foundation
import GatewayVocabulary
import GRDB

/// A row of the `audit` table: one ``AuditRecord``.
struct AuditRow: FetchableRecord, TableRecord, Sendable {
    enum Columns {
        static let sequence = Column("sequence")
        static let previousHash = Column("previous_hash")
        static let hash = Column("hash")
        static let requestID = Column("request_id")
        static let deliveryID = Column("delivery_id")
        static let caller = Column("caller")
        static let decision = Column("decision")
        static let ticket = Column("ticket")
        static let action = Column("action")
        static let targetKind = Column("target_kind")
        static let targetID = Column("target_id")
        static let outcome = Column("outcome")
        static let upstreamStatus = Column("upstream_status")
        static let seguraCode = Column("segura_code")
        static let errorCode = Column("error_code")
        static let attempts = Column("attempts")
        static let latency = Column("latency_ms")
        static let receivedAt = Column("received_at")
        static let occurredAt = Column("occurred_at")
        static let requestedBy = Column("requested_by")
        static let platform = Column("platform")
    }

    static var databaseTableName: String { "audit" }

    /// Every column, in the order ``insert(_:)`` binds its values.
    private static let columns = [
        Columns.sequence, Columns.previousHash, Columns.hash, Columns.requestID, Columns.deliveryID, Columns.caller,
        Columns.decision, Columns.ticket, Columns.action, Columns.targetKind, Columns.targetID, Columns.outcome,
        Columns.upstreamStatus, Columns.seguraCode, Columns.errorCode, Columns.attempts, Columns.latency,
        Columns.receivedAt, Columns.occurredAt, Columns.requestedBy, Columns.platform,
    ]

    static var databaseSelection: [any SQLSelectable] { Self.columns }

    private static let insertSQL = SQLText.insert(into: Self.databaseTableName, columns: Self.columns)

    var record: AuditRecord

    init(_ record: AuditRecord) {
        self.record = record
    }

    init(row: Row) throws {
        let event = AuditEvent(
            requestID: try row.decode(forColumn: Columns.requestID),
            deliveryID: try row.decode(forColumn: Columns.deliveryID),
            caller: try row.decode(forColumn: Columns.caller),
            decision: AuditDecision(rawValue: try row.decode(forColumn: Columns.decision)),
            ticket: try row.decode(forColumn: Columns.ticket),
            action: try row.decode(forColumn: Columns.action),
            targetKind: try row.decode(forColumn: Columns.targetKind),
            targetID: try row.decode(forColumn: Columns.targetID),
            outcome: try row.decode(forColumn: Columns.outcome),
            upstreamStatus: try row.decode(forColumn: Columns.upstreamStatus),
            seguraCode: try row.decode(forColumn: Columns.seguraCode),
            errorCode: try row.decode(forColumn: Columns.errorCode),
            attempts: try row.decode(forColumn: Columns.attempts),
            latencyMilliseconds: try row.decode(forColumn: Columns.latency),
            requestedBy: try row.decode(forColumn: Columns.requestedBy),
            platform: try row.decode(forColumn: Columns.platform),
            receivedAt: Date(millisecondsSince1970: try row.decode(forColumn: Columns.receivedAt)),
            occurredAt: Date(millisecondsSince1970: try row.decode(forColumn: Columns.occurredAt))
        )
        self.record = AuditRecord(
            sequence: try row.decode(forColumn: Columns.sequence),
            previousHash: try row.decode(forColumn: Columns.previousHash),
            hash: try row.decode(forColumn: Columns.hash),
            event: event
        )
    }

    /// Inserts the row; two per request, so through a ``DirectStatement``.
    func insert(_ db: Database) throws {
        let event = self.record.event
        try DirectStatement(db, sql: Self.insertSQL).execute([
            SQLValue(self.record.sequence), SQLValue(self.record.previousHash), SQLValue(self.record.hash), SQLValue(event.requestID),
            SQLValue(event.deliveryID), SQLValue(event.caller), SQLValue(event.decision.rawValue), SQLValue(event.ticket), SQLValue(event.action),
            SQLValue(event.targetKind), SQLValue(event.targetID), SQLValue(event.outcome), SQLValue(event.upstreamStatus), SQLValue(event.seguraCode),
            SQLValue(event.errorCode), SQLValue(event.attempts), SQLValue(event.latencyMilliseconds),
            SQLValue(event.receivedAt.millisecondsSince1970), SQLValue(event.occurredAt.millisecondsSince1970), SQLValue(event.requestedBy),
            SQLValue(event.platform),
        ])
    }
}
