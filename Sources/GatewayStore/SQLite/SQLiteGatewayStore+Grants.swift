import Foundation
import GRDB
import GatewayVocabulary

extension SQLiteGatewayStore {
    public func grant(id: String) async throws -> Grant? {
        try await self.read { db in try GrantTable.grant(id: id, in: db) }
    }

    public func openGrant(kind: TargetKind, id: Int) async throws -> Grant? {
        try await self.read { db in try GrantTable.openGrant(kind: kind, id: id, in: db) }
    }

    public func grants(matching query: GrantQuery, isVisible: @escaping @Sendable (Grant) -> Bool) async throws -> [Grant] {
        guard query.limit > 0 else { throw StoreError.invalidArgument }
        return try await self.read { db in try GrantTable.grants(matching: query, isVisible: isVisible, in: db) }
    }

    public func nextRevocationDue() async throws -> Date? {
        try await self.read(GrantTable.nextDue)
    }

    public func claimDueRevocations(now: Date, limit: Int, lease: Duration, owner: String) async throws -> [RevocationClaim] {
        guard limit > 0, lease > .zero else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch, db in try batch.claimDueRevocations(now: now, limit: limit, lease: lease, owner: owner, in: db) }
    }

    public func claimRevocation(grantID: String, requestID: String, caller: String, now: Date, lease: Duration, owner: String) async throws -> RevocationRequest {
        guard lease > .zero else { throw StoreError.invalidArgument }
        return try await self.enqueue { batch, db in
            try batch.claimRevocation(grantID: grantID, requestID: requestID, caller: caller, now: now, lease: lease, owner: owner, in: db)
        }
    }

    public func ensureOpenGrant(_ opening: GrantOpening, now: Date) async throws -> Grant? {
        try await self.enqueue { batch, db in try batch.ensureOpenGrant(opening, now: now, in: db) }
    }

    public func renewRevocationLease(grantID: String, token: String, until: Date) async throws -> Bool {
        try await self.enqueue { _, db in try GrantTable.renewLease(id: grantID, token: token, until: until, in: db) }
    }

    public func completeRevocation(_ completion: RevocationCompletion, now: Date) async throws -> Grant? {
        try await self.enqueue { batch, db in try batch.completeRevocation(completion, now: now, in: db) }
    }

    public func releaseRevocationLeases(owner: String, now: Date) async throws -> Int {
        try await self.enqueue { _, db in try GrantTable.releaseLeases(owner: owner, now: now, in: db) }
    }
}

extension SQLiteGatewayStore {
    public func enqueueCallback(_ event: CallbackEvent) async throws {
        try await self.enqueue { _, db in try CallbackOutbox.insert(event, now: Date(), in: db) }
    }

    public func claimDueCallbacks(now: Date, limit: Int, lease: Duration) async throws -> [CallbackDelivery] {
        guard limit > 0, lease > .zero else { throw StoreError.invalidArgument }
        return try await self.enqueue { _, db in try CallbackOutbox.claim(now: now, limit: limit, until: now.adding(lease), in: db) }
    }

    public func completeCallback(id: String, result: CallbackResult) async throws {
        try await self.enqueue { _, db in try CallbackOutbox.complete(id: id, result: result, in: db) }
    }

    public func nextCallbackDue() async throws -> Date? {
        try await self.read(CallbackOutbox.nextDue)
    }
}
