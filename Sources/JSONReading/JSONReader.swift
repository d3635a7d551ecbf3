/// Reads one JSON text (RFC 8259) straight from its bytes, member by member, without building a tree: the caller
/// picks the members it wants and skips the rest. Strict: anything that is not JSON throws, and so does text
/// after the value.
///
/// The gateway's JSON inputs (a request body, Segura's answers) are small objects of which a handful of members are
/// read; this costs a fraction of `JSONSerialization` (a tree of boxed values, bridged strings) or `JSONDecoder`
/// (containers over a parsed map).
public struct JSONReader {
    /// The input is not one JSON text; where does not matter to the callers, which refuse it whole.
    public struct SyntaxError: Error {}

    /// How deep arrays and objects may nest; deeper input is refused rather than recursed into.
    public static let maximumDepth = 64

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// What the next value is, without reading it.
    public enum Kind: Sendable {
        case object, array, string, number, bool, null
    }

    public mutating func peek() throws(SyntaxError) -> Kind {
        self.skipWhitespace()
        guard self.index < self.bytes.count else { throw SyntaxError() }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw SyntaxError()
        }
    }

    /// Reads an object, calling `member` with each name; `member` must read or skip the value.
    public mutating func readObject(_ member: (String, inout JSONReader) throws(SyntaxError) -> Void) throws(SyntaxError) {
        try self.enter(UInt8(ascii: "{"))
        defer { self.depth -= 1 }
        self.skipWhitespace()
        if self.consume(UInt8(ascii: "}")) { return }
        repeat {
            self.skipWhitespace()
            let name = try self.readString()
            self.skipWhitespace()
            guard self.consume(UInt8(ascii: ":")) else { throw SyntaxError() }
            try member(name, &self)
            self.skipWhitespace()
        } while self.consume(UInt8(ascii: ","))
        guard self.consume(UInt8(ascii: "}")) else { throw SyntaxError() }
    }

    /// Reads a string, unescaped.
    public mutating func readString() throws(SyntaxError) -> String {
        self.skipWhitespace()
        guard self.consume(UInt8(ascii: "\"")) else { throw SyntaxError() }
        let start = self.index
        var plain = true
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let raw = self.bytes[start..<self.index]
                self.index += 1
                return plain ? try Self.validUTF8(raw) : try Self.unescaped(raw)
            }
            guard byte >= 0x20 else { throw SyntaxError() }
            if byte == UInt8(ascii: "\\") {
                plain = false
                self.index += 1
            }
            self.index += 1
        }
        throw SyntaxError()
    }

    /// A number as written; JSON puts no limit on its size or precision, so the reader keeps its text.
    public struct Number: Sendable, Hashable {
        /// The number's text, valid JSON number syntax.
        public let text: String

        /// The nearest `Double` (infinite past its range).
        public var double: Double { Double(self.text) ?? .nan }

        /// The number as an `Int` when it is a whole number `Int` can hold (`42`, `42.0`, `4.2e1`); `nil` otherwise.
        public var wholeNumber: Int? {
            if let exact = Int(self.text) { return exact }
            let value = self.double
            guard value.isFinite, value == value.rounded(), abs(value) < 9.0e15 else { return nil }
            return Int(value)
        }
    }

    /// Reads a number.
    public mutating func readNumber() throws(SyntaxError) -> Number {
        self.skipWhitespace()
        let start = self.index
        _ = self.consume(UInt8(ascii: "-"))
        guard try self.digits() > 0 else { throw SyntaxError() }
        if self.consume(UInt8(ascii: ".")), try self.digits() == 0 { throw SyntaxError() }
        if self.consume(UInt8(ascii: "e")) || self.consume(UInt8(ascii: "E")) {
            _ = self.consume(UInt8(ascii: "+")) || self.consume(UInt8(ascii: "-"))
            guard try self.digits() > 0 else { throw SyntaxError() }
        }
        return Number(text: String(decoding: self.bytes[start..<self.index], as: UTF8.self))
    }

    public mutating func readBool() throws(SyntaxError) -> Bool {
        self.skipWhitespace()
        if self.consume(literal: "true") { return true }
        if self.consume(literal: "false") { return false }
        throw SyntaxError()
    }

    /// Reads and discards the next value, whatever it is.
    public mutating func skipValue() throws(SyntaxError) {
        switch try self.peek() {
        case .object: try self.readObject { _, reader throws(SyntaxError) in try reader.skipValue() }
        case .array:
            try self.enter(UInt8(ascii: "["))
            defer { self.depth -= 1 }
            self.skipWhitespace()
            if self.consume(UInt8(ascii: "]")) { return }
            repeat { try self.skipValue(); self.skipWhitespace() } while self.consume(UInt8(ascii: ","))
            guard self.consume(UInt8(ascii: "]")) else { throw SyntaxError() }
        case .string: _ = try self.readString()
        case .number: _ = try self.readNumber()
        case .bool: _ = try self.readBool()
        case .null: guard self.consume(literal: "null") else { throw SyntaxError() }
        }
    }

    /// Checks that nothing but whitespace follows the value read.
    public mutating func finish() throws(SyntaxError) {
        self.skipWhitespace()
        guard self.index == self.bytes.count else { throw SyntaxError() }
    }

    // MARK: Bytes

    private mutating func enter(_ opening: UInt8) throws(SyntaxError) {
        self.skipWhitespace()
        guard self.depth < Self.maximumDepth, self.consume(opening) else { throw SyntaxError() }
        self.depth += 1
    }

    private mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard self.index < self.bytes.count, self.bytes[self.index] == byte else { return false }
        self.index += 1
        return true
    }

    private mutating func consume(literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { return false }
        let matches = literal.withUTF8Buffer { expected in self.bytes[self.index..<(self.index + count)].elementsEqual(expected) }
        if matches { self.index += count }
        return matches
    }

    /// Reads decimal digits; a leading zero may not be followed by more digits.
    private mutating func digits() throws(SyntaxError) -> Int {
        let start = self.index
        while self.index < self.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self.bytes[self.index]) { self.index += 1 }
        let count = self.index - start
        if count > 1, self.bytes[start] == UInt8(ascii: "0") { throw SyntaxError() }
        return count
    }

    /// The value of a JSON string from the bytes between its quotes, escapes resolved: for a scanner that found
    /// the string itself and needs its value as the reader would give it.
    public static func string(unescaping raw: ArraySlice<UInt8>) throws(SyntaxError) -> String {
        raw.contains(UInt8(ascii: "\\")) ? try Self.unescaped(raw) : try Self.validUTF8(raw)
    }

    private static func validUTF8(_ raw: ArraySlice<UInt8>) throws(SyntaxError) -> String {
        guard let text = String(validating: raw, as: UTF8.self) else { throw SyntaxError() }
        return text
    }

    private static func unescaped(_ raw: ArraySlice<UInt8>) throws(SyntaxError) -> String {
        var scalars = String.UnicodeScalarView()
        var literal: [UInt8] = []
        var index = raw.startIndex
        func flush() throws(SyntaxError) {
            guard !literal.isEmpty else { return }
            scalars.append(contentsOf: try Self.validUTF8(literal[...]).unicodeScalars)
            literal.removeAll(keepingCapacity: true)
        }
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else {
                literal.append(byte)
                index += 1
                continue
            }
            try flush()
            guard index + 1 < raw.endIndex else { throw SyntaxError() }
            let escape = raw[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var unit = try Self.hexUnit(raw, at: index)
                index += 4
                if (0xD800...0xDBFF).contains(unit), index + 6 <= raw.endIndex, raw[index] == UInt8(ascii: "\\"), raw[index + 1] == UInt8(ascii: "u") {
                    let low = try Self.hexUnit(raw, at: index + 2)
                    if (0xDC00...0xDFFF).contains(low) {
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    }
                }
                scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
            default: throw SyntaxError()
            }
        }
        try flush()
        return String(scalars)
    }

    private static func hexUnit(_ raw: ArraySlice<UInt8>, at index: Int) throws(SyntaxError) -> UInt32 {
        guard index + 4 <= raw.endIndex, let unit = UInt32(String(decoding: raw[index..<(index + 4)], as: UTF8.self), radix: 16) else {
            throw SyntaxError()
        }
        return unit
    }
}
