/// Why a ticket pattern was refused when it was compiled: raised at configuration load, never per request.
///
/// The ``message`` names the construct and the ``offset`` says where it starts, so `check-config` can point at it.
struct TicketPatternError: Error, Hashable, CustomStringConvertible {
    private enum Code: String, Hashable {
        case empty
        case malformed
        case unsupported
        case tooLarge = "too_large"
    }

    private let kind: Code
    /// Where the offending construct starts, counted in Unicode scalars from 0 (for ASCII patterns, characters).
    let offset: Int
    /// Human text naming what is wrong, without the offset.
    let message: String

    private init(_ kind: Code, at offset: Int, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    /// A stable snake_case name for the failure: `empty`, `malformed`, `unsupported` or `too_large`.
    var code: String { self.kind.rawValue }

    var description: String { "TicketPatternError.\(self.kind.rawValue) at offset \(self.offset): \(self.message)" }

    /// The pattern is empty; it could never match a ticket, which is never empty.
    static let empty = Self(.empty, at: 0, "the pattern is empty")

    /// The pattern is not a regular expression in any dialect: an unbalanced parenthesis, a quantifier with
    /// nothing to repeat, a reversed range.
    static func malformed(_ message: String, at offset: Int) -> Self {
        Self(.malformed, at: offset, message)
    }

    /// The pattern uses a construct a backtracking engine has but a linear-time matcher cannot offer, or one left
    /// out because ticket references never need it.
    static func unsupported(_ construct: String, at offset: Int) -> Self {
        Self(.unsupported, at: offset, "\(construct) is not supported")
    }

    /// A counted repetition or the whole compiled program is over the limits that bound compile and match time.
    static func tooLarge(_ message: String, at offset: Int) -> Self {
        Self(.tooLarge, at: offset, message)
    }
}
