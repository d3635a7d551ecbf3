/// Checks audit records fed in sequence order, one at a time, so any number can be verified in bounded memory.
///
/// Stores use it for ``GatewayStore/verifyAuditChain(anchor:)``; tools can use it on an export, starting
/// after a head verified earlier.
///
/// ```swift
/// var verifier = AuditChainVerifier()
/// for try await record in records {
///     if let broken = verifier.check(record) { return broken }
/// }
/// return verifier.finish(head: storedHead)
/// ```
public struct AuditChainVerifier: Sendable {
    private let start: AuditHead
    private let anchor: AuditHead?
    private var last: AuditHead

    /// Prepares to check records that follow `start`.
    ///
    /// - Parameters:
    ///   - start: the head the first record must follow; ``AuditHead/genesis`` for a whole trail.
    ///   - anchor: a head published earlier that the chain must pass through.
    public init(after start: AuditHead = .genesis, anchor: AuditHead? = nil) {
        self.start = start
        self.anchor = anchor
        self.last = start
    }

    /// Checks the next record.
    ///
    /// - Returns: `nil` if it continues the chain, or the ``AuditVerification/broken(atSequence:reason:)``
    ///   result to report; after a break the verifier's state is unspecified.
    public mutating func check(_ record: AuditRecord) -> AuditVerification? {
        let expected = self.last.sequence + 1
        if record.sequence != expected {
            return .broken(atSequence: expected, reason: .sequenceGap)
        }
        if record.previousHash != self.last.hash {
            return .broken(atSequence: record.sequence, reason: .linkBroken)
        }
        if AuditChain.hash(sequence: record.sequence, previousHash: record.previousHash, event: record.event) != record.hash {
            return .broken(atSequence: record.sequence, reason: .recordAltered)
        }
        if let anchor = self.anchor, anchor.sequence == record.sequence, anchor.hash != record.hash {
            return .broken(atSequence: record.sequence, reason: .anchorMismatch)
        }
        self.last = record.head
        return nil
    }

    /// The verdict once every record was checked.
    ///
    /// - Parameter head: the head the store recorded, or `nil` when there is none to compare (an export).
    public func finish(head: AuditHead?) -> AuditVerification {
        if let anchor = self.anchor, anchor.sequence > self.last.sequence {
            return .broken(atSequence: self.last.sequence + 1, reason: .anchorMismatch)
        }
        // An anchor at or before the start was never compared with a record: only the start itself matches it.
        if let anchor = self.anchor, anchor.sequence <= self.start.sequence, anchor != self.start {
            return .broken(atSequence: anchor.sequence, reason: .anchorMismatch)
        }
        if let head, head != self.last {
            let firstDisagreement = head.sequence == self.last.sequence ? head.sequence : min(head.sequence, self.last.sequence) + 1
            return .broken(atSequence: firstDisagreement, reason: .headMismatch)
        }
        return .intact(count: self.last.sequence - self.start.sequence, lastHash: self.last.hash)
    }
}
