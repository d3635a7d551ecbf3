import Foundation
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
        guard case .revocations(let claims) = try await self.enqueue(.claimDueRevocations(now: now, limit: limit, lease: lease, owner: owner)) else {
            preconditionFailure(WriteBatch.sameCase)
        }
        return claims
    }

    public func claimRevocation(grantID: String, requestID: String, caller: String, now: Date, lease: Duration, owner: String) async throws -> RevocationRequest {
        guard lease > .zero else { throw StoreError.invalidArgument }
        let write = StoreWrite.claimRevocation(grantID: grantID, requestID: requestID, caller: caller, now: now, lease: lease, owner: owner)
        guard case .revocationRequest(let request) = try await self.enqueue(write) else { preconditionFailure(WriteBatch.sameCase) }
        return request
    }

    public func ensureOpenGrant(_ opening: GrantOpening, now: Date) async throws -> Grant? {
        guard case .grant(let grant) = try await self.enqueue(.ensureOpenGrant(opening, now: now)) else { preconditionFailure(WriteBatch.sameCase) }
        return grant
    }

    public func renewRevocationLease(grantID: String, token: String, until: Date) async throws -> Bool {
        guard case .renewed(let renewed) = try await self.enqueue(.renewLease(grantID: grantID, token: token, until: until)) else {
            preconditionFailure(WriteBatch.sameCase)
        }
        return renewed
    }

    public func completeRevocation(_ completion: RevocationCompletion, now: Date) async throws -> Grant? {
        guard case .completedRevocation(let grant) = try await self.enqueue(.completeRevocation(completion, now: now)) else {
            preconditionFailure(WriteBatch.sameCase)
        }
        return grant
    }

    public func releaseRevocationLeases(owner: String, now: Date) async throws -> Int {
        guard case .releasedLeases(let count) = try await self.enqueue(.releaseLeases(owner: owner, now: now)) else {
            preconditionFailure(WriteBatch.sameCase)
        }
        return count
    }
}

extension SQLiteGatewayStore {
    public func claimDueCallbacks(now: Date, limit: Int, lease: Duration) async throws -> [CallbackDelivery] {
        guard limit > 0, lease > .zero else { throw StoreError.invalidArgument }
        guard case .callbacks(let deliveries) = try await self.enqueue(.claimCallbacks(now: now, limit: limit, lease: lease)) else {
            preconditionFailure(WriteBatch.sameCase)
        }
        return deliveries
    }

    public func completeCallback(id: String, result: CallbackResult) async throws {
        guard case .callbackCompleted = try await self.enqueue(.completeCallback(id: id, result: result)) else {
            preconditionFailure(WriteBatch.sameCase)
        }
    }

    public func nextCallbackDue() async throws -> Date? {
        try await self.read(CallbackOutbox.nextDue)
    }
}
