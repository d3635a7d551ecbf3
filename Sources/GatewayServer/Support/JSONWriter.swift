/// Writes one JSON object straight into bytes, for the answers the gateway sends on every request.
///
/// Foundation's `JSONEncoder` goes through `Encodable`'s containers, boxes every value and sorts keys at run time;
/// an answer is a handful of known fields, so writing them in order is a fraction of that work. Keys must be
/// written in ascending order (checked in debug builds), which makes the output sorted like
/// `JSONEncoder.OutputFormatting.sortedKeys`; nil values are left out; `/` is not escaped.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the object being written has a member yet (so the next one needs a comma), one per nesting level.
    private var hasMember: [Bool] = []
    #if DEBUG
    private var lastKey: [String] = []
    #endif

    init(capacity: Int = 512) {
        self.bytes.reserveCapacity(capacity)
    }

    /// Writes a whole object: `body` writes its members.
    static func object(capacity: Int = 512, _ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        writer.openObject()
        body(&writer)
        writer.closeObject()
        return writer.bytes
    }

    mutating func field(_ key: String, _ value: String?) {
        guard let value else { return }
        self.key(key)
        self.string(value)
    }

    mutating func field(_ key: String, _ value: Int?) {
        guard let value else { return }
        self.key(key)
        self.bytes.append(contentsOf: String(value).utf8)
    }

    mutating func field(_ key: String, _ value: Int64?) {
        guard let value else { return }
        self.key(key)
        self.bytes.append(contentsOf: String(value).utf8)
    }

    /// A finite number; Swift's shortest round-tripping text (`1.5`, `12.0`), which is valid JSON.
    mutating func field(_ key: String, _ value: Double?) {
        guard let value, value.isFinite else { return }
        self.key(key)
        self.bytes.append(contentsOf: value.description.utf8)
    }

    mutating func field(_ key: String, _ value: Bool?) {
        guard let value else { return }
        self.key(key)
        self.bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    /// A nested object, written by `body`.
    mutating func object(_ key: String, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        self.openObject()
        body(&self)
        self.closeObject()
    }

    /// A member whose value is JSON the gateway wrote itself (a stored answer), copied as is.
    mutating func raw(_ key: String, json: [UInt8]) {
        self.key(key)
        self.bytes.append(contentsOf: json)
    }

    /// An array of objects, one written by `body` for each element.
    mutating func array<Element>(_ key: String, _ elements: [Element], _ body: (inout JSONWriter, Element) -> Void) {
        self.key(key)
        self.bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
            self.openObject()
            body(&self, element)
            self.closeObject()
        }
        self.bytes.append(UInt8(ascii: "]"))
    }

    private mutating func openObject() {
        self.bytes.append(UInt8(ascii: "{"))
        self.hasMember.append(false)
        #if DEBUG
        self.lastKey.append("")
        #endif
    }

    private mutating func closeObject() {
        self.bytes.append(UInt8(ascii: "}"))
        self.hasMember.removeLast()
        #if DEBUG
        self.lastKey.removeLast()
        #endif
    }

    private mutating func key(_ key: String) {
        #if DEBUG
        assert(self.lastKey[self.lastKey.count - 1] < key, "JSONWriter keys must be written in ascending order: '\(key)'")
        self.lastKey[self.lastKey.count - 1] = key
        #endif
        if self.hasMember[self.hasMember.count - 1] {
            self.bytes.append(UInt8(ascii: ","))
        }
        self.hasMember[self.hasMember.count - 1] = true
        self.string(key)
        self.bytes.append(UInt8(ascii: ":"))
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`, everything else as is.
    private mutating func string(_ value: String) {
        self.bytes.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy those whole.
        let copied = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            self.bytes.append(contentsOf: bytes)
            return true
        }
        if copied == true {
            self.bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: self.bytes.append(byte)
            }
        }
        self.bytes.append(UInt8(ascii: "\""))
    }
}
