import Foundation
import GatewayVocabulary
import GRDB
@testable import GatewayStore
import Testing

/// A store written by an older release opens under the current schema with nothing lost.
@Suite("Schema migrations")
struct SchemaMigrationTests {
    private static let inFlightKey = DeliveryKey(caller: "jira", deliveryID: "delivery-2")

    /// Builds a file at migration `v2-replay-window` holding one answered and one unanswered delivery, as the
    /// release before v3 left them.
    private func makeVersion2Store(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try SQLiteSchema.migrator.migrate(queue, upTo: "v2-replay-window")
        let start = Fixtures.start.millisecondsSince1970
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO delivery (caller, delivery_id, fingerprint, request_id, claimed_at, expires_at, response_status,
                        response_content_type, response_body, completed_at, reopens_at)
                    VALUES (?, ?, ?, 'r1', ?, ?, 200, 'application/json', ?, ?, NULL),
                           (?, ?, ?, 'r2', ?, ?, NULL, NULL, NULL, NULL, NULL)
                    """,
                arguments: [
                    Fixtures.key.caller, Fixtures.key.deliveryID, Fixtures.fingerprint, start, start + 86_400_000,
                    Fixtures.response(requestID: "r1").body, start,
                    Self.inFlightKey.caller, Self.inFlightKey.deliveryID, Fixtures.fingerprint, start, start + 86_400_000,
                ]
            )
        }
        try queue.close()
    }

    @Test("v3 keeps every delivery: an answered one replays byte for byte, an unanswered one is still in flight")
    func version3KeepsDeliveries() async throws {
        try await withDatabasePath { path in
            try self.makeVersion2Store(at: path)
            let store = try await SQLiteGatewayStore.open(path: path)

            #expect(try await store.claim("r3", at: 60) == .completed(Fixtures.response(requestID: "r1")))
            #expect(try await store.claim("r4", at: 1, key: Self.inFlightKey) == .inFlight(requestID: "r2"))
            #expect(try await store.storedResponse(requestID: "r1", caller: "jira") == Fixtures.response(requestID: "r1"))
            #expect(try await store.complete("r2", key: Self.inFlightKey))
            try await store.close()
        }
    }

    @Test("v3 turns delivery into a rowid table with a unique key and drops the unused audit_by_request index")
    func version3Schema() async throws {
        try await withDatabasePath { path in
            try self.makeVersion2Store(at: path)
            try await SQLiteGatewayStore.open(path: path).close()

            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            try await queue.read { db in
                let table = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'delivery'") ?? ""
                #expect(table.contains("id INTEGER PRIMARY KEY"))
                #expect(!table.contains("WITHOUT ROWID"))
                #expect(try db.indexes(on: "delivery").contains { $0.isUnique && $0.columns == ["caller", "delivery_id"] })
                #expect(try !db.indexes(on: "audit").contains { $0.name == "audit_by_request" })
            }
        }
    }

    @Test("v7 and v8 keep what v6 wrote: its records still verify (as v1) and continue with v2, its callback is still a callback")
    func chatColumnsKeepEarlierRows() async throws {
        try await withDatabasePath { path in
            let earlier = AuditRecord(appending: Fixtures.event(1), after: .genesis)
            let body = Data(#"{"type":"grant.revoked"}"#.utf8)
            let queue = try DatabaseQueue(path: path)
            try SQLiteSchema.migrator.migrate(queue, upTo: "v6-target-changes")
            try await queue.write { db in
                let event = earlier.event
                try db.execute(
                    sql: """
                        INSERT INTO audit (sequence, previous_hash, hash, request_id, delivery_id, caller, decision, ticket, action, target_kind,
                            target_id, outcome, upstream_status, segura_code, error_code, attempts, latency_ms, received_at, occurred_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)
                        """,
                    arguments: [
                        earlier.sequence, earlier.previousHash, earlier.hash, event.requestID, event.deliveryID, event.caller, event.decision.rawValue,
                        event.ticket, event.action?.rawValue, event.targetKind?.rawValue, event.targetID, event.outcome?.rawValue, event.upstreamStatus,
                        event.attempts, event.latencyMilliseconds, event.receivedAt.millisecondsSince1970, event.occurredAt.millisecondsSince1970,
                    ]
                )
                try db.execute(sql: "UPDATE audit_head SET sequence = ?, hash = ?", arguments: [earlier.sequence, earlier.hash])
                try db.execute(
                    sql: "INSERT INTO callback_outbox (id, caller, body, created_at, due_at) VALUES ('msg_1', 'jira', ?, ?, ?)",
                    arguments: [body, Fixtures.start.millisecondsSince1970, Fixtures.start.millisecondsSince1970]
                )
            }
            try queue.close()

            let store = try await SQLiteGatewayStore.open(path: path)
            #expect(try await store.exportedRecords() == [earlier])
            var chat = Fixtures.event(2)
            chat.requestedBy = "ana.souza"
            chat.platform = "slack"
            let next = try await store.appendAudit(chat)
            #expect(try await store.verifyAuditChain() == .intact(count: 2, lastHash: next.hash))
            let claimed = try await store.claimDueCallbacks(now: Fixtures.start, limit: 10, lease: .seconds(60))
            #expect(claimed.map(\.event) == [CallbackEvent(id: "msg_1", caller: "jira", body: body)])
            try await store.close()
        }
    }

    @Test("v9 rebuilds the outbox to take approval-channel notices and keeps its events: destination, URL, attempts and order")
    func approvalsKeepOutboxEvents() async throws {
        try await withDatabasePath { path in
            let url = "https://hooks.slack.com/actions/T0/B0/capability"
            let body = Data("{}".utf8)
            let queue = try DatabaseQueue(path: path)
            try SQLiteSchema.migrator.migrate(queue, upTo: "v8-chat-replies")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO callback_outbox (id, caller, body, destination, url, created_at, due_at, attempts)
                        VALUES ('msg_reply', 'slack', ?1, 'chat_reply', ?2, ?3, ?3, 2), ('msg_callback', 'jira', ?1, 'callback', NULL, ?3, ?3, 0)
                        """,
                    arguments: [body, url, Fixtures.start.millisecondsSince1970]
                )
            }
            try queue.close()

            let store = try await SQLiteGatewayStore.open(path: path)
            let claimed = try await store.claimDueCallbacks(now: Fixtures.start, limit: 10, lease: .seconds(60))
            #expect(
                claimed.map(\.event) == [
                    CallbackEvent(id: "msg_reply", caller: "slack", body: body, destination: .chatReply(url: url)),
                    CallbackEvent(id: "msg_callback", caller: "jira", body: body),
                ]
            )
            #expect(claimed.map(\.attempt) == [3, 1])
            for delivery in claimed { try await store.completeCallback(id: delivery.event.id, result: .delivered) }
            let notice = CallbackEvent(id: "msg_notice", caller: "slack", body: body, destination: .approvalChannel)
            try await store.enqueueCallback(notice)
            #expect(try await store.claimDueCallbacks(now: Date(), limit: 10, lease: .seconds(60)).map(\.event) == [notice])
            try await store.close()
        }
    }
}
