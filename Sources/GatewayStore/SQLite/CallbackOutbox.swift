import Foundation
import GRDB

/// The `callback_outbox` table, inside the caller's transaction; cached statements throughout.
enum CallbackOutbox {
    static func insert(_ event: CallbackEvent, now: Date, in db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO callback_outbox (id, caller, body, destination, url, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [
                event.id, event.caller, event.body, event.destination.kind, event.destination.url, now.millisecondsSince1970, now.millisecondsSince1970,
            ])
    }

    /// Leases the due events, oldest first: their due time moves to the lease's end and the attempt is counted.
    static func claim(now: Date, limit: Int, until: Date, in db: Database) throws -> [CallbackDelivery] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT seq, id, caller, body, attempts, destination, url FROM callback_outbox WHERE due_at <= ? ORDER BY due_at, seq LIMIT ?"
            ),
            arguments: [now.millisecondsSince1970, limit]
        )
        let lease = try db.cachedStatement(sql: "UPDATE callback_outbox SET due_at = ?, attempts = attempts + 1 WHERE seq = ?")
        return try rows.map { row in
            try lease.execute(arguments: [until.millisecondsSince1970, row[0] as Int64])
            let event = CallbackEvent(
                id: try row.decode(atIndex: 1), caller: try row.decode(atIndex: 2), body: try row.decode(atIndex: 3),
                destination: try CallbackEvent.Destination(kind: try row.decode(atIndex: 5), url: try row.decode(atIndex: 6))
            )
            return CallbackDelivery(event: event, attempt: (try row.decode(atIndex: 4) as Int) + 1)
        }
    }

    static func complete(id: String, result: CallbackResult, in db: Database) throws {
        switch result {
        case .delivered, .abandoned:
            try db.cachedStatement(sql: "DELETE FROM callback_outbox WHERE id = ?").execute(arguments: [id])
        case .retry(let at):
            try db.cachedStatement(sql: "UPDATE callback_outbox SET due_at = ? WHERE id = ?").execute(arguments: [at.millisecondsSince1970, id])
        }
    }

    static func nextDue(in db: Database) throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(due_at) FROM callback_outbox"))
            .map(Date.init(millisecondsSince1970:))
    }
}
