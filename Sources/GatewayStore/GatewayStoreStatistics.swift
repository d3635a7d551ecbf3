/// Counters a store keeps since it was opened, for metrics and tests.
public struct GatewayStoreStatistics: Sendable, Hashable {
    /// Audit transactions committed; each one cost one fsync.
    public var auditBatchesCommitted: Int
    /// Audit records committed in those transactions; divided by ``auditBatchesCommitted`` it gives the mean
    /// batch size, which grows with concurrent load.
    public var auditRecordsCommitted: Int

    /// Creates counters with the given values.
    public init(auditBatchesCommitted: Int = 0, auditRecordsCommitted: Int = 0) {
        self.auditBatchesCommitted = auditBatchesCommitted
        self.auditRecordsCommitted = auditRecordsCommitted
    }
}
