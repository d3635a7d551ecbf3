/// Why a body is not a strict `application/x-www-form-urlencoded` form.
///
/// A struct wrapping a private code, like the gateway's other errors, so kinds can be added without breaking
/// callers. The ``message`` names the field (as sent, before decoding) but echoes at most a 40-scalar excerpt of
/// it, so an error about a large or hostile body stays small in responses and logs.
///
/// Two errors are equal when their codes are equal; the message is not compared, so `error == .duplicateField`
/// holds whichever field it names.
public struct FormError: Error, Hashable, CustomStringConvertible {
    private enum Code: String, Hashable {
        case invalidPercentEncoding = "invalid_percent_encoding"
        case invalidUTF8 = "invalid_utf8"
        case duplicateField = "duplicate_field"
        case tooManyFields = "too_many_fields"
    }

    /// The longest excerpt of the input a message quotes, in Unicode scalars.
    static let maximumExcerptLength = 40

    private let kind: Code
    /// What is wrong and in which field.
    public let message: String

    /// A stable snake_case name for the failure: `invalid_percent_encoding`, `invalid_utf8`, `duplicate_field`
    /// or `too_many_fields`.
    public var code: String { self.kind.rawValue }

    public var description: String { "FormError.\(self.code): \(self.message)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.kind) }

    /// A `%` is not followed by two hex digits.
    public static let invalidPercentEncoding = Self(kind: .invalidPercentEncoding, message: "a % is not followed by two hex digits")
    /// A name or value does not decode to UTF-8 text.
    public static let invalidUTF8 = Self(kind: .invalidUTF8, message: "a field does not decode to UTF-8 text")
    /// A field name appears more than once.
    public static let duplicateField = Self(kind: .duplicateField, message: "a field appears more than once")
    /// The body has more fields than the reader accepts.
    public static let tooManyFields = Self(kind: .tooManyFields, message: "the body has too many fields")

    static func invalidPercentEncoding(_ field: ArraySlice<UInt8>) -> Self {
        Self(kind: .invalidPercentEncoding, message: "field '\(Self.excerpt(field))' has a % that is not followed by two hex digits")
    }

    static func invalidUTF8(_ field: ArraySlice<UInt8>) -> Self {
        Self(kind: .invalidUTF8, message: "field '\(Self.excerpt(field))' does not decode to UTF-8 text")
    }

    static func duplicateField(_ name: String) -> Self {
        Self(kind: .duplicateField, message: "field '\(Self.excerpt(name))' appears more than once")
    }

    static func tooManyFields(_ maximum: Int) -> Self {
        Self(kind: .tooManyFields, message: "the body has more than \(maximum) fields")
    }

    /// The field's raw bytes as text (invalid UTF-8 repaired), for a message.
    private static func excerpt(_ field: ArraySlice<UInt8>) -> String {
        Self.excerpt(String(decoding: field, as: UTF8.self))
    }

    /// At most ``maximumExcerptLength`` scalars of `text`, with `…` when cut.
    private static func excerpt(_ text: String) -> String {
        guard text.unicodeScalars.count > Self.maximumExcerptLength else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(Self.maximumExcerptLength))) + "…"
    }
}
