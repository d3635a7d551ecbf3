/// The end of the audit chain: the last record's sequence and hash.
///
/// Kept by the store in the same transaction as each append, so deleting records from the tail is detected;
/// published outside the store, it is an anchor that also detects a rewrite of the whole file.
public struct AuditHead: Sendable, Hashable {
    /// The last record's sequence number, which is also the number of records; 0 when there are none.
    public var sequence: Int
    /// The last record's hash, lowercase hex; ``AuditChain/genesisHash`` when there are none.
    public var hash: String

    /// Creates a head, e.g. from a value published earlier.
    public init(sequence: Int, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// The head of an empty trail: the first record's `previousHash` is this hash.
    public static let genesis = AuditHead(sequence: 0, hash: AuditChain.genesisHash)
}
