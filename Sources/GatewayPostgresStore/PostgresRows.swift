import Foundation
import GatewayStore
import GatewayVocabulary
import Logging
import PostgresNIO

/// How store values are read from and written to rows. Kinds, actions, outcomes and codes are stored by raw
/// value; one that does not parse means the row was edited by hand, and the read fails as corrupted data.
enum PostgresRows {
    /// The `access_grant` columns ``grant(_:)`` reads, in its order.
    static let grantColumns = """
        id, target_kind, target_id, caller, ticket, requested_by, request_id, starts_at, expires_at, state, extensions,
        revoke_attempts, due_at, ended_at, ended_by, last_error_code
        """

    /// The `audit` columns ``auditRecord(_:)`` reads and ``insert(_:on:logger:)`` writes, in their order.
    static let auditColumns = """
        sequence, previous_hash, hash, request_id, delivery_id, caller, decision, ticket, action, target_kind, target_id, outcome,
        upstream_status, segura_code, error_code, attempts, latency_ms, received_at, occurred_at, requested_by, platform
        """

    /// How many ``auditColumns`` there are: the parameters one inserted record binds.
    private static let auditColumnCount = 21

    /// The `delivery` columns ``storedDelivery(_:)`` reads, in its order.
    static let deliveryColumns = "fingerprint, request_id, claimed_at, expires_at, response_status, response_content_type, response_body, completed_at, reopens_at"

    static func grant(_ row: PostgresRow) throws -> Grant {
        let (id, kind, targetID, caller, ticket, requestedBy, requestID, startsAt, expiresAt, state, extensions, attempts, dueAt, endedAt, endedBy, lastError) =
            try row.decode((String, String, Int, String, String, String?, String, Int64, Int64, String, Int, Int, Int64?, Int64?, String?, String?).self)
        return Grant(
            id: id,
            targetKind: try Self.parse(kind, as: TargetKind.self),
            targetID: targetID,
            caller: caller,
            ticket: ticket,
            requestedBy: requestedBy,
            requestID: requestID,
            startsAt: Date(millisecondsSince1970: startsAt),
            expiresAt: Date(millisecondsSince1970: expiresAt),
            state: try Self.parse(state, as: GrantState.self),
            extensions: extensions,
            revokeAttempts: attempts,
            dueAt: dueAt.map(Date.init(millisecondsSince1970:)),
            endedAt: endedAt.map(Date.init(millisecondsSince1970:)),
            endedBy: endedBy,
            lastErrorCode: try lastError.map { try Self.parse($0, as: ErrorCode.self) }
        )
    }

    static func auditRecord(_ row: PostgresRow) throws -> AuditRecord {
        let (sequence, previousHash, hash, requestID, deliveryID, caller, decision, ticket, action, kind, targetID, outcome) =
            try row.decode((Int, String, String, String, String?, String?, String, String?, String?, String?, String?, String?).self)
        let columns = row.makeRandomAccess()
        let event = AuditEvent(
            requestID: requestID,
            deliveryID: deliveryID,
            caller: caller,
            decision: AuditDecision(rawValue: decision),
            ticket: ticket,
            action: try action.map { try Self.parse($0, as: TargetAction.self) },
            targetKind: try kind.map { try Self.parse($0, as: TargetKind.self) },
            targetID: targetID,
            outcome: try outcome.map { try Self.parse($0, as: Outcome.self) },
            upstreamStatus: try columns[12].decode(Int?.self),
            seguraCode: try columns[13].decode(Int?.self),
            errorCode: try columns[14].decode(String?.self).map { try Self.parse($0, as: ErrorCode.self) },
            attempts: try columns[15].decode(Int.self),
            latencyMilliseconds: try columns[16].decode(Int?.self),
            requestedBy: try columns[19].decode(String?.self),
            platform: try columns[20].decode(String?.self),
            receivedAt: Date(millisecondsSince1970: try columns[17].decode(Int64.self)),
            occurredAt: Date(millisecondsSince1970: try columns[18].decode(Int64.self))
        )
        return AuditRecord(sequence: sequence, previousHash: previousHash, hash: hash, event: event)
    }

    static func storedDelivery(_ row: PostgresRow) throws -> StoredDelivery {
        let (fingerprint, requestID, claimedAt, expiresAt, status, contentType, body, completedAt, reopensAt) =
            try row.decode((String, String, Int64, Int64, Int?, String?, Data?, Int64?, Int64?).self)
        var response: StoredResponse?
        if let completedAt, let status, let contentType {
            response = StoredResponse(
                statusCode: status, contentType: contentType, body: body ?? Data(), requestID: requestID,
                completedAt: Date(millisecondsSince1970: completedAt)
            )
        }
        return StoredDelivery(
            fingerprint: fingerprint,
            requestID: requestID,
            claimedAt: Date(millisecondsSince1970: claimedAt),
            expiresAt: Date(millisecondsSince1970: expiresAt),
            response: response,
            reopensAt: reopensAt.map(Date.init(millisecondsSince1970:))
        )
    }

    /// Inserts `records` with as few statements as the protocol's 65,535 parameters allow (21 per record).
    static func insert(_ records: [AuditRecord], on connection: PostgresConnection, logger: Logger) async throws {
        let rowsPerStatement = 3000
        for start in stride(from: 0, to: records.count, by: rowsPerStatement) {
            let chunk = records[start..<min(start + rowsPerStatement, records.count)]
            var bindings = PostgresBindings(capacity: chunk.count * Self.auditColumnCount)
            var rows: [String] = []
            rows.reserveCapacity(chunk.count)
            for record in chunk {
                let first = bindings.count + 1
                let event = record.event
                bindings.append(record.sequence)
                bindings.append(record.previousHash)
                bindings.append(record.hash)
                bindings.append(event.requestID)
                bindings.append(event.deliveryID)
                bindings.append(event.caller)
                bindings.append(event.decision.rawValue)
                bindings.append(event.ticket)
                bindings.append(event.action?.rawValue)
                bindings.append(event.targetKind?.rawValue)
                bindings.append(event.targetID)
                bindings.append(event.outcome?.rawValue)
                bindings.append(event.upstreamStatus)
                bindings.append(event.seguraCode)
                bindings.append(event.errorCode?.rawValue)
                bindings.append(event.attempts)
                bindings.append(event.latencyMilliseconds)
                bindings.append(event.receivedAt.millisecondsSince1970)
                bindings.append(event.occurredAt.millisecondsSince1970)
                bindings.append(event.requestedBy)
                bindings.append(event.platform)
                rows.append("(" + (first..<(first + Self.auditColumnCount)).map { "$\($0)" }.joined(separator: ", ") + ")")
            }
            let sql = "INSERT INTO audit (\(Self.auditColumns)) VALUES " + rows.joined(separator: ", ")
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        }
    }

    static func parse<Value: RawRepresentable>(_ text: String, as type: Value.Type) throws -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: text) else { throw StoreError.corruptedData }
        return value
    }
}
