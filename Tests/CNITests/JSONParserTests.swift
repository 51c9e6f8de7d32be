import Testing

@testable import CNI

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let v = try JSONValue(parsing: #" { "a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "e": "" } "#)
        #expect(v["a"]?[0] == .number(JSONNumber(1)))
        #expect(v["a"]?[1]?.numberValue?.literal == "-2.5e3")
        #expect(v["a"]?[2] == true)
        #expect(v["a"]?[3] == false)
        #expect(v["a"]?[4] == .null)
        #expect(v["b"]?["c"] == "d")
        #expect(v["e"] == "")
        #expect(v["missing"] == nil)
    }

    @Test func keepsMemberOrder() throws {
        let v = try JSONValue(parsing: #"{"z":1,"a":2,"m":3}"#)
        #expect(v.objectValue?.keys == ["z", "a", "m"])
        #expect(JSONSerializer.string(v) == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func repeatedKeysAreKeptAsWritten() throws {
        let v = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        // The document keeps both; what they mean depends on the Go type they are read into.
        #expect(v.objectValue?.members.map(\.key) == ["a", "b", "a"])
        #expect(JSONSerializer.string(v) == #"{"a":1,"b":2,"a":3}"#)
        // Lookup reads the object as a Go map: the last value wins.
        #expect(v["a"] == 3)
        #expect(v.objectValue?.keys == ["a", "b"])
        #expect(JSONSerializer.string(.object(v.objectValue!.uniqued)) == #"{"a":3,"b":2}"#)
        // Setting leaves one member, at the first position.
        var o = v.objectValue!
        o["a"] = 9
        #expect(JSONSerializer.string(.object(o)) == #"{"a":9,"b":2}"#)
        o = v.objectValue!
        #expect(o.removeValue(forKey: "a") == 3)
        #expect(JSONSerializer.string(.object(o)) == #"{"b":2}"#)
    }

    @Test func keysCompareAsBytes() throws {
        // "é" precomposed and decomposed are different keys to Go (Swift's == would equate them).
        let v = try JSONValue(parsing: "{\"caf\u{E9}\":1,\"cafe\u{301}\":2}")
        #expect(v["caf\u{E9}"] == 1)
        #expect(v["cafe\u{301}"] == 2)
        #expect(v.objectValue?.keys.count == 2)
    }

    @Test func numbersKeepTheirLiteral() throws {
        let v = try JSONValue(parsing: "[1.0, 1e3, 18446744073709551615, -0, 0.5, 1E-2]")
        let literals = v.arrayValue?.compactMap { $0.numberValue?.literal }
        #expect(literals == ["1.0", "1e3", "18446744073709551615", "-0", "0.5", "1E-2"])
        #expect(JSONSerializer.string(v) == "[1.0,1e3,18446744073709551615,-0,0.5,1E-2]")
        #expect(v[0]?.intValue == 1)
        #expect(v[1]?.intValue == 1000)
        #expect(v[2]?.intValue == nil)
        #expect(v[2]?.numberValue?.uint64 == .max)
        #expect(v[4]?.intValue == nil)
        #expect(v[4]?.doubleValue == 0.5)
        #expect(v[0]?.numberValue?.isInteger == false)
        #expect(JSONNumber(literal: "12")?.isInteger == true)
        #expect(JSONNumber(literal: "01") == nil)
    }

    @Test func escapesAndUnicode() throws {
        let v = try JSONValue(parsing: #""a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00""#)
        #expect(v == .string("a\"b\\c/d\u{08}\u{0C}\n\r\tAé€😀"))
        // Raw multi-byte UTF-8 passes through.
        #expect(try JSONValue(parsing: "\"é€😀\"") == "é€😀")
        // Lone surrogates become U+FFFD, as in Go.
        #expect(try JSONValue(parsing: #""\ud83d""#) == "\u{FFFD}")
        #expect(try JSONValue(parsing: #""\ude00x""#) == "\u{FFFD}x")
        #expect(try JSONValue(parsing: #""\ud83d\u0041""#) == "\u{FFFD}A")
    }

    @Test(arguments: [
        ("", "unexpected end of JSON input", 0),
        ("   ", "unexpected end of JSON input", 3),
        ("{", "unexpected end of JSON input", 1),
        (#"{"a":1"#, "unexpected end of JSON input", 6),
        (#"{"a":1,}"#, "invalid character '}' looking for beginning of object key string", 7),
        ("[1,]", "invalid character ']' looking for beginning of value", 3),
        ("[1 2]", "invalid character '2' after array element", 3),
        (#"{"a" 1}"#, "invalid character '1' after object key", 5),
        (#"{"a":1 "b":2}"#, "invalid character '\"' after object key:value pair", 7),
        ("{a:1}", "invalid character 'a' looking for beginning of object key string", 1),
        ("01", "invalid character '1' after top-level value", 1),
        ("1.", "unexpected end of JSON input", 2),
        ("1.x", "invalid character 'x' in numeric literal", 2),
        ("-", "unexpected end of JSON input", 1),
        ("-a", "invalid character 'a' in numeric literal", 1),
        (".5", "invalid character '.' looking for beginning of value", 0),
        ("1e", "unexpected end of JSON input", 2),
        ("+1", "invalid character '+' looking for beginning of value", 0),
        ("tru", "unexpected end of JSON input", 3),
        ("trUe", "invalid character 'U' in literal true (expecting 'u')", 2),
        ("nul1", "invalid character '1' in literal null (expecting 'l')", 3),
        ("NaN", "invalid character 'N' looking for beginning of value", 0),
        ("\"a\nb\"", "invalid character '\\n' in string literal", 2),
        (#""\x""#, "invalid character 'x' in string escape code", 2),
        (#""\u12g4""#, "invalid character 'g' in \\u hexadecimal character escape", 5),
        (#""abc"#, "unexpected end of JSON input", 4),
        ("{} {}", "invalid character '{' after top-level value", 3),
        ("// c\n{}", "invalid character '/' looking for beginning of value", 0),
        ("[1] x", "invalid character 'x' after top-level value", 4),
    ] as [(String, String, Int)])
    func rejectsMalformedInput(input: String, message: String, offset: Int) {
        #expect(throws: JSONParseError(message: message, offset: offset)) {
            try JSONParser.parse(input)
        }
    }

    /// Go replaces each byte that does not start a well-formed sequence with U+FFFD (one per byte,
    /// not Unicode's one per maximal subpart), on the fast path and after an escape alike.
    @Test(arguments: [
        ([0x22, 0xFF, 0x22], "\u{FFFD}"),  // never valid
        ([0x22, 0xC0, 0xAF, 0x22], "\u{FFFD}\u{FFFD}"),  // overlong '/'
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], "\u{FFFD}\u{FFFD}\u{FFFD}"),  // overlong
        ([0x22, 0xED, 0xA0, 0x80, 0x22], "\u{FFFD}\u{FFFD}\u{FFFD}"),  // UTF-16 surrogate encoded in UTF-8
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),  // beyond U+10FFFF
        ([0x22, 0xE2, 0x82, 0x22], "\u{FFFD}\u{FFFD}"),  // truncated sequence
        ([0x22, 0xE2, 0x28, 0xA1, 0x22], "\u{FFFD}(\u{FFFD}"),  // bad continuation
        ([0x22, 0x5C, 0x6E, 0x80, 0x22], "\n\u{FFFD}"),  // bare continuation byte after an escape (slow path)
        ([0x22, 0x61, 0xC3, 0xA9, 0xFF, 0x22], "a\u{E9}\u{FFFD}"),  // good then bad
    ] as [([UInt8], String)])
    func repairsInvalidUTF8(bytes: [UInt8], expected: String) throws {
        #expect(try JSONParser.parse(bytes) == .string(expected))
        // Keys too.
        let object = [0x7B] + bytes + Array(":1}".utf8)
        #expect(try JSONParser.parse(object).objectValue?.keys == [expected])
    }

    @Test(arguments: [
        (#""\ud800""#, "\u{FFFD}"),
        (#""\udc00""#, "\u{FFFD}"),
        (#""a\ud800\ud800b""#, "a\u{FFFD}\u{FFFD}b"),
        (#""\ud800\u0041""#, "\u{FFFD}A"),
        (#""\ud83d\ude00""#, "\u{1F600}"),
    ])
    func repairsUnpairedSurrogateEscapes(input: String, expected: String) throws {
        #expect(try JSONParser.parse(input) == .string(expected))
    }

    /// Go's scanner allows 10000 nested arrays and objects and refuses the 10001st.
    @Test func limitsDepthAsGoDoes() throws {
        func nested(_ n: Int) -> String { String(repeating: "[", count: n) + String(repeating: "]", count: n) }
        #expect(throws: Never.self) { try JSONParser.parse(nested(10000)) }
        #expect(throws: JSONParseError(message: "invalid character '[' exceeded max depth", offset: 10000)) {
            try JSONParser.parse(nested(10001))
        }
        let objects = String(repeating: #"{"a":"#, count: 10001) + "1" + String(repeating: "}", count: 10001)
        #expect(throws: JSONParseError(message: "invalid character '{' exceeded max depth", offset: 50000)) {
            try JSONParser.parse(objects)
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(nested(100).utf8), maximumDepth: 99) }
    }

    @Test func errorDescriptionNamesTheOffset() {
        #expect(JSONParseError(message: "unexpected end of JSON input", offset: 4).description
            == "unexpected end of JSON input at offset 4")
    }
}
