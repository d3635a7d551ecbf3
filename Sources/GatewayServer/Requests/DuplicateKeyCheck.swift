/// Finds an object key that appears twice in one JSON object, at any depth.
///
/// RFC 8259 leaves duplicate names to the parser, and parsers disagree: Foundation's `JSONDecoder` keeps
/// the first, most JavaScript and Python parsers keep the last. A body such as
/// `{"action":"enable","action":"disable",…}` would then mean one thing to the sender's tooling (and to
/// whoever reviews the signed payload) and another to the gateway, so such a body is refused before it is
/// decoded. Keys are compared after unescaping, so `"action"` and `"\u0061ction"` are the same name.
///
/// The scan is one pass over the bytes with an explicit stack (no recursion on input) and does not
/// validate the rest of the grammar: the decoder that runs next does, and reports malformed JSON itself.
enum DuplicateKeyCheck {
    /// The first key found twice in one object, or `nil` when every object's keys are distinct (or the
    /// bytes are not JSON the scan can follow, which the decoder then refuses).
    static func firstDuplicateKey(in body: [UInt8]) -> String? {
        /// The keys seen so far in each open container, `nil` for an array. An object has a handful of keys, so a
        /// list searched in order beats hashing them.
        var open: [[[UInt8]]?] = []
        /// Whether the next string in the innermost object is a key (after `{` or `,`) rather than a value.
        var expectingKey = false
        var index = body.startIndex
        while index < body.endIndex {
            switch body[index] {
            case UInt8(ascii: "{"):
                open.append([])
                expectingKey = true
            case UInt8(ascii: "["):
                open.append(nil)
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard open.popLast() != nil else { return nil }
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = open.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                guard let (raw, end) = Self.string(in: body, openingQuote: index) else { return nil }
                index = end
                if expectingKey, let keys = open.last ?? nil {
                    guard let name = Self.unescaped(raw) else { return nil }
                    if keys.contains(name) { return String(decoding: name, as: UTF8.self) }
                    open[open.count - 1]?.append(name)
                    expectingKey = false
                }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// The bytes between the quotes of the string opening at `openingQuote`, and the index of its closing
    /// quote; `nil` when the string never closes.
    private static func string(in body: [UInt8], openingQuote: Int) -> (ArraySlice<UInt8>, Int)? {
        var index = openingQuote + 1
        while index < body.endIndex {
            switch body[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return (body[(openingQuote + 1)..<index], index)
            default: index += 1
            }
        }
        return nil
    }

    /// A string's content with its escapes resolved, as UTF-8; `nil` for an escape JSON does not allow.
    private static func unescaped(_ raw: ArraySlice<UInt8>) -> [UInt8]? {
        guard raw.contains(UInt8(ascii: "\\")) else { return Array(raw) }
        var scalars = String.UnicodeScalarView()
        var pendingHighSurrogate: UInt32?
        var index = raw.startIndex
        var literal: [UInt8] = []
        /// Appends `scalar`, first replacing a high surrogate that no low one completed: it has no scalar, and
        /// must stay distinct from every real character.
        func append<Scalars: Sequence<Unicode.Scalar>>(_ more: Scalars) {
            if pendingHighSurrogate != nil {
                scalars.append("\u{FFFD}")
                pendingHighSurrogate = nil
            }
            scalars.append(contentsOf: more)
        }
        func flushLiteral() {
            guard !literal.isEmpty else { return }
            append(String(decoding: literal, as: UTF8.self).unicodeScalars)
            literal.removeAll(keepingCapacity: true)
        }
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else {
                literal.append(byte)
                index += 1
                continue
            }
            flushLiteral()
            guard index + 1 < raw.endIndex else { return nil }
            let escape = raw[index + 1]
            index += 2
            let simple: Unicode.Scalar?
            switch escape {
            case UInt8(ascii: "\""): simple = "\""
            case UInt8(ascii: "\\"): simple = "\\"
            case UInt8(ascii: "/"): simple = "/"
            case UInt8(ascii: "b"): simple = "\u{08}"
            case UInt8(ascii: "f"): simple = "\u{0C}"
            case UInt8(ascii: "n"): simple = "\n"
            case UInt8(ascii: "r"): simple = "\r"
            case UInt8(ascii: "t"): simple = "\t"
            case UInt8(ascii: "u"): simple = nil
            default: return nil
            }
            if let simple {
                append(CollectionOfOne(simple))
                continue
            }
            guard index + 4 <= raw.endIndex, let unit = UInt32(String(decoding: raw[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                return nil
            }
            index += 4
            if let high = pendingHighSurrogate, (0xDC00...0xDFFF).contains(unit) {
                pendingHighSurrogate = nil
                scalars.append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00))!)
            } else if (0xD800...0xDBFF).contains(unit) {
                append(EmptyCollection())
                pendingHighSurrogate = unit
            } else {
                append(CollectionOfOne(Unicode.Scalar(unit) ?? "\u{FFFD}"))
            }
        }
        flushLiteral()
        append(EmptyCollection())
        return Array(String(scalars).utf8)
    }
}
