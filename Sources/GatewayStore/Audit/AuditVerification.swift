/// The result of checking the audit chain.
public enum AuditVerification: Sendable, Hashable {
    /// Every record links to its predecessor and hashes to its stored hash, and the chain ends at the head.
    case intact(count: Int, lastHash: String)
    /// The first problem found, at the sequence where the chain stops being trustworthy.
    case broken(atSequence: Int, reason: AuditChainBreak)
}

/// Why the audit chain is broken.
///
/// A struct with a private code rather than an enum so new checks can be added without breaking callers.
public struct AuditChainBreak: Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Hashable {
        case recordAltered = "record_altered"
        case linkBroken = "link_broken"
        case sequenceGap = "sequence_gap"
        case headMismatch = "head_mismatch"
        case anchorMismatch = "anchor_mismatch"
        case unreadableRecord = "unreadable_record"
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    public var description: String { self.code.rawValue }

    /// The record's content no longer hashes to its stored hash: it was edited, or moved to another
    /// sequence number (the sequence is hashed too).
    public static let recordAltered = Self(.recordAltered)
    /// The record's `previousHash` is not the hash of the record before it: a record was removed and the rest
    /// renumbered, or an earlier record was rewritten together with its own hash.
    public static let linkBroken = Self(.linkBroken)
    /// A sequence number is missing (a record was deleted) or out of place.
    public static let sequenceGap = Self(.sequenceGap)
    /// The chain does not end where the store's head says: records were deleted from (or added to) the tail,
    /// or the head was edited.
    public static let headMismatch = Self(.headMismatch)
    /// The chain does not contain the externally published anchor: history up to it was rewritten or cut.
    public static let anchorMismatch = Self(.anchorMismatch)
    /// A stored value has the wrong type, so the record cannot even be read.
    public static let unreadableRecord = Self(.unreadableRecord)
}
