/// An audit event as stored: its place in the chain and the hashes that link it.
public struct AuditRecord: Sendable, Hashable {
    /// Position in the trail: 1, 2, 3… with no gaps.
    public var sequence: Int
    /// The hash of the record before (``AuditChain/genesisHash`` for the first).
    public var previousHash: String
    /// ``AuditChain/hash(sequence:previousHash:event:)`` of this record, lowercase hex.
    public var hash: String
    /// What was decided.
    public var event: AuditEvent

    /// Creates a record as read back (for example from an export); nothing is checked here, use
    /// ``AuditChainVerifier`` for that.
    public init(sequence: Int, previousHash: String, hash: String, event: AuditEvent) {
        self.sequence = sequence
        self.previousHash = previousHash
        self.hash = hash
        self.event = event
    }

    /// Chains `event` after `head`: the next sequence, linked to and hashed over the head's hash.
    public init(appending event: AuditEvent, after head: AuditHead) {
        let sequence = head.sequence + 1
        self.init(
            sequence: sequence,
            previousHash: head.hash,
            hash: AuditChain.hash(sequence: sequence, previousHash: head.hash, event: event),
            event: event
        )
    }

    /// The chain's head once this record is the last one.
    public var head: AuditHead { AuditHead(sequence: self.sequence, hash: self.hash) }
}
