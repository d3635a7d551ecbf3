import Foundation
import GatewayVocabulary

/// A store that keeps nothing: the baseline the durability benchmark compares the real store with.
///
/// Every delivery is claimed (a repeat acts again), no answer is kept, audit records are neither chained nor kept,
/// and there are no grants, no callbacks, no chat replies (the outbox keeps nothing) and no approval requests. A request
/// that would open a grant is refused by its claim with ``StoreError/notDurable``: without a durable timer nothing would
/// revoke it. A request that needs approval is refused the same way: nothing would remember it until approved.
/// Never for production: the gateway's guarantees (one Segura call per delivery, the audit trail) need a durable
/// store.
public struct TransientStore: GatewayStore {
    public init() {}

    public var statistics: GatewayStoreStatistics { GatewayStoreStatistics() }

    public func close() async throws {}

    /// Nothing is shared with another process: `body` runs at once.
    public func withTargetLock<T: Sendable>(_ target: Target, whileWaiting: (@Sendable () async -> Void)?, _ body: () async throws -> T) async throws -> T {
        try await body()
    }

    // MARK: Deliveries

    public func claimDelivery(_ request: DeliveryClaimRequest, now: Date) async throws -> DeliveryClaim {
        guard request.grant == nil else { throw StoreError.notDurable }
        return .claimed(recoveredFromCrash: false)
    }

    /// Nothing is claimed, so there is nothing to lose: the claim is always still "held".
    public func renewDeliveryClaim(_ key: DeliveryKey, requestID: String, now: Date) async throws -> Bool { true }

    public func recordOutcome(
        _ event: AuditEvent, answering answer: DeliveryAnswer?, grant: GrantChange?, callback: CallbackEvent?, reply: CallbackEvent?
    ) async throws -> RecordedOutcome {
        RecordedOutcome(record: Self.unkept(event), answerStored: answer != nil, grantChanged: false)
    }

    public func purgeExpiredDeliveries(now: Date) async throws -> Int { 0 }

    public func storedResponse(requestID: String, caller: String) async throws -> StoredResponse? { nil }

    // MARK: Audit

    public func appendAudit(_ event: AuditEvent) async throws -> AuditRecord {
        Self.unkept(event)
    }

    /// The record of an event that is not kept: no place in a chain, so no sequence and no hash.
    private static func unkept(_ event: AuditEvent) -> AuditRecord {
        AuditRecord(sequence: 0, previousHash: "", hash: "", event: event)
    }

    public func auditHead() async throws -> AuditHead { .genesis }

    public func auditRecords(since: Date?, afterSequence: Int?) -> AsyncThrowingStream<AuditRecord, any Error> {
        AsyncThrowingStream { $0.finish() }
    }

    public func verifyAuditChain(anchor: AuditHead?) async throws -> AuditVerification {
        .intact(count: 0, lastHash: AuditHead.genesis.hash)
    }

    // MARK: Grants

    public func grant(id: String) async throws -> Grant? { nil }

    public func openGrant(kind: TargetKind, id: Int) async throws -> Grant? { nil }

    public func grants(matching query: GrantQuery, isVisible: @escaping @Sendable (Grant) -> Bool) async throws -> [Grant] { [] }

    public func nextRevocationDue() async throws -> Date? { nil }

    public func claimDueRevocations(now: Date, limit: Int, lease: Duration, owner: String) async throws -> [RevocationClaim] { [] }

    public func claimRevocation(grantID: String, requestID: String, caller: String, now: Date, lease: Duration, owner: String) async throws -> RevocationRequest {
        .notFound
    }

    public func ensureOpenGrant(_ opening: GrantOpening, now: Date) async throws -> Grant? {
        throw StoreError.notDurable
    }

    public func renewRevocationLease(grantID: String, token: String, until: Date) async throws -> Bool { false }

    public func completeRevocation(_ completion: RevocationCompletion, now: Date) async throws -> Grant? { nil }

    public func releaseRevocationLeases(owner: String, now: Date) async throws -> Int { 0 }

    // MARK: Callback outbox

    public func enqueueCallback(_ event: CallbackEvent) async throws {}

    public func claimDueCallbacks(now: Date, limit: Int, lease: Duration) async throws -> [CallbackDelivery] { [] }

    public func completeCallback(id: String, result: CallbackResult) async throws {}

    public func nextCallbackDue() async throws -> Date? { nil }

    // MARK: Approvals

    public func createApproval(_ request: ApprovalRequest, event: AuditEvent, notices: [CallbackEvent]) async throws -> ApprovalCreation {
        throw StoreError.notDurable
    }

    public func decideApproval(
        id: String, verdict: ApprovalVerdict, approver: String, now: Date, event: AuditEvent, decisionReply: CallbackEvent.Destination?,
        notices: @escaping @Sendable (ApprovalRequest) -> [CallbackEvent]
    ) async throws -> ApprovalDecisionResult {
        .notFound
    }

    public func claimApprovedForExecution(now: Date, limit: Int, lease: Duration, owner: String) async throws -> [ApprovalRequest] { [] }

    public func completeApprovalExecution(id: String, requestID: String, now: Date) async throws -> Bool { false }

    public func expireDueApprovals(
        now: Date, limit: Int, expiredEvent: @escaping @Sendable (ApprovalRequest) -> AuditEvent,
        notices: @escaping @Sendable (ApprovalRequest) -> [CallbackEvent]
    ) async throws -> [ApprovalRequest] {
        []
    }

    public func nextApprovalDue() async throws -> Date? { nil }

    public func approval(id: String) async throws -> ApprovalRequest? { nil }

    public func approvals(state: ApprovalState?, caller: String?, limit: Int) async throws -> [ApprovalRequest] { [] }
}
