import JSONReading
import Testing

@Suite("JSONReader reads RFC 8259 JSON strictly")
struct JSONReaderTests {
    /// Skips the whole text; `true` when it is one valid JSON text.
    private static func isValid(_ text: String) -> Bool {
        var reader = JSONReader(Array(text.utf8))
        do {
            try reader.skipValue()
            try reader.finish()
            return true
        } catch {
            return false
        }
    }

    @Test(arguments: [
        #"{}"#, #"[]"#, #" {"a" : [1, -2.5e+3, true, false, null, "x"]} "#, #""\u00e9\ud83d\ude00\n""#, "0", "-0.0", "1E9",
        #"{"a":{"b":{"c":[]}}}"#,
    ])
    func acceptsJSON(_ text: String) {
        #expect(Self.isValid(text))
    }

    @Test(arguments: [
        "", "{", #"{"a"}"#, #"{"a":1,}"#, "[1,]", "01", "1.", ".5", "+1", "1e", "tru", "nul", #"{'a':1}"#, "\"tab\tinside\"",
        #""\x""#, "{} {}", #"{"a":1}x"#, "NaN", "[" + String(repeating: "[", count: 70) + String(repeating: "]", count: 71),
    ])
    func refusesAnythingElse(_ text: String) {
        #expect(!Self.isValid(text))
    }

    @Test func invalidUTF8InAStringIsRefused() {
        var reader = JSONReader([UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\"")])
        #expect(throws: JSONReader.SyntaxError.self) { try reader.readString() }
    }

    @Test func membersAndEscapesAreReadAsWritten() throws {
        var reader = JSONReader(Array(#"{"name":"a\"b\\c\/d\u0041","n":42,"list":[1,{"x":2}],"flag":true}"#.utf8))
        var seen: [String] = []
        var name: String?
        var number: JSONReader.Number?
        try reader.readObject { key, reader throws(JSONReader.SyntaxError) in
            seen.append(key)
            switch key {
            case "name": name = try reader.readString()
            case "n": number = try reader.readNumber()
            default: try reader.skipValue()
            }
        }
        try reader.finish()
        #expect(seen == ["name", "n", "list", "flag"])
        #expect(name == #"a"b\c/dA"#)
        #expect(number?.wholeNumber == 42)
    }

    @Test(arguments: [("42", 42), ("42.0", 42), ("4.2e1", 42), ("-7", -7)] as [(String, Int)])
    func wholeNumbersConvert(_ text: String, _ expected: Int) throws {
        var reader = JSONReader(Array(text.utf8))
        #expect(try reader.readNumber().wholeNumber == expected)
    }

    @Test(arguments: ["42.5", "1e300", "99999999999999999999"])
    func otherNumbersAreNotWhole(_ text: String) throws {
        var reader = JSONReader(Array(text.utf8))
        #expect(try reader.readNumber().wholeNumber == nil)
    }
}
