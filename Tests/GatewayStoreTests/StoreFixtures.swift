import Foundation
import GatewayStore
import GatewayVocabulary

/// Values shared by the store tests.
enum Fixtures {
    /// A fixed "now", so expiry and staleness are exact.
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let key = DeliveryKey(caller: "jira", deliveryID: "delivery-1")
    static let fingerprint = String(repeating: "a", count: 64)
    static let otherFingerprint = String(repeating: "b", count: 64)
    static let day = Duration.seconds(86_400)

    /// A response whose body holds bytes that are not valid UTF-8, to prove they are kept verbatim.
    static func response(requestID: String, at date: Date = start) -> StoredResponse {
        StoredResponse(
            statusCode: 200,
            contentType: "application/json",
            body: Data([0x7B, 0x22, 0x6F, 0x6B, 0x22, 0x3A, 0x31, 0x7D, 0x00, 0xFF, 0xFE]),
            requestID: requestID,
            completedAt: date
        )
    }

    /// An applied-action event numbered `number`, occurring `number` minutes after ``start``.
    static func event(_ number: Int, caller: String = "jira") -> AuditEvent {
        AuditEvent(
            requestID: "request-\(number)",
            deliveryID: "delivery-\(number)",
            caller: caller,
            decision: .applied,
            ticket: "CHG-\(number)",
            action: .disable,
            targetKind: .credential,
            targetID: "\(1000 + number)",
            outcome: .applied,
            upstreamStatus: 200,
            attempts: 1,
            latencyMilliseconds: 40 + number,
            receivedAt: self.start.addingTimeInterval(Double(number) * 60),
            occurredAt: self.start.addingTimeInterval(Double(number) * 60 + 0.25)
        )
    }
}

/// Runs `body` with a path to a database file in a fresh temporary directory, removed afterwards.
@discardableResult
func withDatabasePath<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory.appendingPathComponent("gateway.sqlite").path)
}

/// Runs `body` with a store opened on a fresh file, closing it afterwards.
@discardableResult
func withStore<T>(
    _ configuration: SQLiteGatewayStore.Configuration = SQLiteGatewayStore.Configuration(),
    _ body: (SQLiteGatewayStore) async throws -> T
) async throws -> T {
    try await withDatabasePath { path in
        let store = try await SQLiteGatewayStore.open(path: path, configuration: configuration)
        let result = try await body(store)
        try await store.close()
        return result
    }
}

extension GatewayStore {
    /// Claims `key` as `requestID`, `seconds` after ``Fixtures/start``.
    func claim(
        _ requestID: String,
        at seconds: TimeInterval = 0,
        key: DeliveryKey = Fixtures.key,
        fingerprint: String = Fixtures.fingerprint,
        signature: String? = nil,
        signedID: String? = nil,
        expiresAfter: Duration = Fixtures.day,
        acceptance: AuditEvent? = nil,
        isFreshKey: Bool = false
    ) async throws -> DeliveryClaim {
        let request = DeliveryClaimRequest(
            key: key, fingerprint: fingerprint, signatureDigest: signature, signedDeliveryID: signedID, requestID: requestID, isFreshKey: isFreshKey,
            expiresAfter: expiresAfter, acceptance: acceptance
        )
        return try await self.claimDelivery(request, now: Fixtures.start.addingTimeInterval(seconds))
    }

    /// Records an outcome for `requestID` answering `key` with `response` (by default
    /// ``Fixtures/response(requestID:at:)``); returns whether the answer was stored. With `reopensAt` (seconds
    /// after ``Fixtures/start``) the answer is not final.
    @discardableResult
    func complete(_ requestID: String, key: DeliveryKey = Fixtures.key, response: StoredResponse? = nil, reopensAt: TimeInterval? = nil) async throws -> Bool {
        let answer = DeliveryAnswer(
            key: key, response: response ?? Fixtures.response(requestID: requestID), reopensAt: reopensAt.map { Fixtures.start.addingTimeInterval($0) }
        )
        let event = AuditEvent(requestID: requestID, deliveryID: key.deliveryID, caller: key.caller, decision: .applied, receivedAt: Fixtures.start, occurredAt: Fixtures.start)
        return try await self.recordOutcome(event, answering: answer).answerStored
    }

    /// Appends ``Fixtures/event(_:caller:)`` 1 through `count`, one after the other.
    @discardableResult
    func appendEvents(_ count: Int) async throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        for number in 1...count {
            records.append(try await self.appendAudit(Fixtures.event(number)))
        }
        return records
    }

    /// Every record of ``GatewayStore/auditRecords(since:afterSequence:)``, collected.
    func exportedRecords(since: Date? = nil, afterSequence: Int? = nil) async throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        for try await record in self.auditRecords(since: since, afterSequence: afterSequence) {
            records.append(record)
        }
        return records
    }
}
