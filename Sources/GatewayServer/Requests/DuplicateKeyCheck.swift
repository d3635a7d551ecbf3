import JSONReading

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

    /// A string's content with its escapes resolved, as UTF-8, exactly as ``ActionRequestDecoder`` reads it
    /// (``JSONReader``); `nil` for what JSON does not allow in a string.
    private static func unescaped(_ raw: ArraySlice<UInt8>) -> [UInt8]? {
        (try? JSONReader.string(unescaping: raw)).map { Array($0.utf8) }
    }
}
