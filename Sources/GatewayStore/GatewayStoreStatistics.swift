/// Counters a store keeps since it was opened, for metrics and tests.
public struct GatewayStoreStatistics: Sendable, Hashable {
    /// Write transactions committed; each one cost one fsync.
    public var batchesCommitted: Int
    /// Writes (claims, outcomes, audit records) committed in those transactions; divided by
    /// ``batchesCommitted`` it gives the mean batch size, which grows with concurrent load.
    public var writesCommitted: Int

    /// Creates counters with the given values.
    public init(batchesCommitted: Int = 0, writesCommitted: Int = 0) {
        self.batchesCommitted = batchesCommitted
        self.writesCommitted = writesCommitted
    }
}
