/// Helpers that turn libFuzzer's raw bytes into the values the parsers take.
public enum FuzzInput {
    /// A copy of the input bytes.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The input as text, with invalid UTF-8 repaired as any request body's text would be.
    public static func text(_ data: UnsafePointer<UInt8>?, _ size: Int) -> String {
        String(decoding: Self.bytes(data, size), as: UTF8.self)
    }
}

/// An input shaped like an HTTP message without its request line: `Name: value` lines, an empty line, a body.
///
/// The seed corpora are written in this form, so they read like the requests and answers they stand for, and
/// mutations of a header value stay in that header. Lines end with LF or CRLF; without an empty line the whole
/// input is head and the body is empty.
public struct FuzzMessage {
    /// The head's lines, without their line ends.
    public var lines: [[UInt8]]
    /// Everything after the first empty line, byte for byte.
    public var body: [UInt8]

    public init(_ bytes: [UInt8]) {
        var lines: [[UInt8]] = []
        var start = bytes.startIndex
        var body: [UInt8] = []
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = bytes[start..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            start = newline + 1
            if line.isEmpty {
                body = Array(bytes[start...])
                start = bytes.endIndex
                break
            }
            lines.append(Array(line))
        }
        if start < bytes.endIndex { lines.append(Array(bytes[start...])) }
        self.lines = lines
        self.body = body
    }

    /// The head lines of the form `name: value`, split at the first colon, with the value's surrounding spaces
    /// and tabs removed as an HTTP parser does. Lines without a colon are skipped.
    public var fields: [(name: String, value: [UInt8])] {
        self.lines.compactMap { line in
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            var value = line[(colon + 1)...].drop(while: isSpace)
            while let last = value.last, isSpace(last) { value = value.dropLast() }
            return (String(decoding: line[..<colon], as: UTF8.self), Array(value))
        }
    }
}
