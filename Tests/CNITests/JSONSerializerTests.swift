import Testing

@testable import CNI

@Suite struct JSONSerializerTests {
    /// `json.MarshalIndent(v, "", "    ")` of the same document, as Go prints it.
    @Test func prettyMatchesGoMarshalIndent() throws {
        let v: JSONValue = [
            "cniVersion": "1.0.0",
            "interfaces": [["name": "eth0", "sandbox": "/var/run/netns/x"]],
            "ips": [["interface": 0, "address": "10.1.2.3/24"]],
            "empty": [],
            "none": [:],
            "nested": ["a": [1, [2, []]], "b": nil],
            "dns": [:],
        ]
        let expected = """
            {
                "cniVersion": "1.0.0",
                "interfaces": [
                    {
                        "name": "eth0",
                        "sandbox": "/var/run/netns/x"
                    }
                ],
                "ips": [
                    {
                        "interface": 0,
                        "address": "10.1.2.3/24"
                    }
                ],
                "empty": [],
                "none": {},
                "nested": {
                    "a": [
                        1,
                        [
                            2,
                            []
                        ]
                    ],
                    "b": null
                },
                "dns": {}
            }
            """
        #expect(JSONSerializer.string(v, style: .pretty) == expected)
        #expect(try JSONValue(parsing: expected) == v)
    }

    @Test func compactHasNoWhitespace() {
        let v: JSONValue = ["a": [1, 2, ["b": true]], "c": "d e"]
        #expect(JSONSerializer.string(v) == #"{"a":[1,2,{"b":true}],"c":"d e"}"#)
        #expect(JSONSerializer.string(.array([])) == "[]")
        #expect(JSONSerializer.string(.object([:]), style: .pretty) == "{}")
        #expect(JSONSerializer.string("x", style: .pretty) == #""x""#)
    }

    @Test func customIndent() {
        let v: JSONValue = ["a": [1]]
        #expect(JSONSerializer.string(v, style: .pretty(indent: "\t")) == "{\n\t\"a\": [\n\t\t1\n\t]\n}")
    }

    /// Go's `encodeState.string` with HTML escaping on (what json.Marshal uses).
    @Test func stringsAreEscapedAsGoEscapesThem() {
        let cases: [(String, String)] = [
            ("plain", #""plain""#),
            ("quote\" back\\ slash/", #""quote\" back\\ slash/""#),
            ("<script>&amp;</script>", #""\u003cscript\u003e\u0026amp;\u003c/script\u003e""#),
            ("\u{08}\u{0C}\n\r\t", #""\b\f\n\r\t""#),
            ("\u{00}\u{01}\u{1F}\u{7F}", #""\u0000\u0001\u001f\#u{7F}""#),
            ("line\u{2028}para\u{2029}end", #""line\u2028para\u2029end""#),
            ("é€😀\u{FFFD}", "\"é€😀\u{FFFD}\""),
        ]
        for (input, expected) in cases {
            #expect(JSONSerializer.string(.string(input)) == expected, "\(input)")
        }
    }

    @Test func invalidUTF8BecomesReplacementEscapes() {
        var out: [UInt8] = []
        JSONSerializer.appendQuoted([0x61, 0xFF, 0x62, 0xE2, 0x82, 0x63, 0xED, 0xA0, 0x80], to: &out)
        // Each invalid byte is one U+FFFD, as Go's utf8.DecodeRune reports it.
        #expect(String(decoding: out, as: UTF8.self) == #""a\ufffdb\ufffd\ufffdc\ufffd\ufffd\ufffd""#)
    }

    @Test func keysAreEscapedToo() {
        let v: JSONValue = ["a<b": 1]
        #expect(JSONSerializer.string(v) == #"{"a\u003cb":1}"#)
    }

    @Test(arguments: [
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (1.5, "1.5"),
        (-2.25, "-2.25"),
        (100.0, "100"),
        (0.1, "0.1"),
        (0.000001, "0.000001"),
        (0.0000001, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (1e-10, "1e-10"),
        (123456789.125, "123456789.125"),
        (1e16, "10000000000000000"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.2345e22, "1.2345e+22"),
        (Double.leastNonzeroMagnitude, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (0.30000000000000004, "0.30000000000000004"),
    ])
    func doublesAreFormattedAsGoFormatsFloat64(value: Double, expected: String) {
        #expect(JSONNumber(value).literal == expected)
        #expect(Double(JSONNumber(value).literal) == value)
    }

    @Test func nonFiniteDoublesAreRejected() {
        #expect(JSONNumber(exactly: .nan) == nil)
        #expect(JSONNumber(exactly: .infinity) == nil)
    }

    @Test func roundTripsArbitraryDocuments() throws {
        let text = #"{"b":[1,2.50,-3e+2,{"x":null,"y":"\u003c\u2028"}],"a":"é","c":{}}"#
        let v = try JSONValue(parsing: text)
        #expect(JSONSerializer.string(v) == text)
        #expect(try JSONValue(parsing: JSONSerializer.string(v, style: .pretty)) == v)
    }

    @Test func objectEditingKeepsPositions() {
        var o: JSONObject = ["a": 1, "b": 2, "c": 3]
        o["b"] = "two"
        o["d"] = 4
        o["a"] = nil
        #expect(o.keys == ["b", "c", "d"])
        #expect(o["b"] == "two")
        o.append("b", 5)
        #expect(o.keys == ["c", "d", "b"])
        var v = JSONValue.object(o)
        v["c"] = .null
        #expect(v["c"] == .null)
        #expect(v.objectValue?.contains("c") == true)
    }
}
