/// The fields of an `application/x-www-form-urlencoded` body (WHATWG URL standard's parser), strictly.
///
/// Slack and Mattermost send slash commands and interactive payloads in this form, signed or authenticated over
/// the raw bytes; this reads the fields of a body once it is authenticated. The WHATWG parser is followed where a
/// sender's body is well formed, and refuses where it would guess:
///
/// - the body is split on `&`, empty pieces (`a=1&&b=2`, a leading or trailing `&`) are skipped, and each piece
///   is split on its first `=`; a piece without `=` is a field with an empty value;
/// - `+` is a space, and `%` followed by two hex digits is that byte;
/// - a `%` not followed by two hex digits is an error: WHATWG keeps it literally, so `100%` and `100%25` would
///   read the same, and a body whose encoder never produces a bare `%` has been damaged or forged;
/// - the decoded bytes must be valid UTF-8: WHATWG substitutes U+FFFD, which would let several bodies read as
///   one value;
/// - a name given twice is an error, where WHATWG keeps both: a signed body must have one meaning, not one per
///   reader (first wins, last wins). Names are compared as Swift strings, so two spellings of one canonically
///   equivalent name (`é` precomposed or not) are the same name, and are refused together.
public struct URLEncodedForm: Sendable, Hashable {
    private let values: [String: String]
    /// The field names in body order.
    public let names: [String]

    /// Reads the fields of `body`.
    ///
    /// - Parameters:
    ///   - body: the raw body, as received.
    ///   - maximumFields: the most fields accepted; a slash command has about 15, an interactive payload one.
    ///     It bounds the work and memory a body can cost before it is refused.
    /// - Throws: a ``FormError``: `invalid_percent_encoding`, `invalid_utf8`, `duplicate_field` or `too_many_fields`.
    public init(parsing body: [UInt8], maximumFields: Int = 64) throws(FormError) {
        var values: [String: String] = [:]
        var names: [String] = []
        for piece in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            guard names.count < maximumFields else { throw .tooManyFields(maximumFields) }
            let equals = piece.firstIndex(of: UInt8(ascii: "=")) ?? piece.endIndex
            let name = try Self.decode(piece[..<equals], field: piece[..<equals])
            let value = equals == piece.endIndex ? "" : try Self.decode(piece[piece.index(after: equals)...], field: piece[..<equals])
            guard values.updateValue(value, forKey: name) == nil else { throw .duplicateField(name) }
            names.append(name)
        }
        self.values = values
        self.names = names
    }

    /// The value of `name`; nil when absent.
    public subscript(name: String) -> String? {
        self.values[name]
    }

    /// Decodes one name or value: `+` to a space, `%XX` to its byte, then UTF-8.
    ///
    /// - Parameter field: the raw name of the field being read, for the error message.
    private static func decode(_ encoded: ArraySlice<UInt8>, field: ArraySlice<UInt8>) throws(FormError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let byte = encoded[index]
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
                index += 1
            case UInt8(ascii: "%"):
                guard index + 2 < encoded.endIndex,
                    let high = Self.hexValue(encoded[index + 1]),
                    let low = Self.hexValue(encoded[index + 2])
                else { throw .invalidPercentEncoding(field) }
                bytes.append(high << 4 | low)
                index += 3
            default:
                bytes.append(byte)
                index += 1
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8(field) }
        return text
    }

    /// The value of a hex digit in either case.
    private static func hexValue(_ digit: UInt8) -> UInt8? {
        if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) { return digit - UInt8(ascii: "0") }
        let lowercased = digit | 0x20  // `A`–`F` to `a`–`f`; no other byte lands in `a`–`f`
        if (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(lowercased) { return lowercased - UInt8(ascii: "a") + 10 }
        return nil
    }
}
