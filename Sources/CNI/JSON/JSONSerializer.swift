/// Writes JSON exactly as Go's `encoding/json` does, so our output is byte-identical to the
/// reference plugins': `json.Marshal` for compact text, `json.MarshalIndent(v, "", "    ")` for
/// pretty text (no trailing newline), and Go's HTML-safe string escaping.
public enum JSONSerializer {
    /// The layout of the text.
    public enum Style: Sendable {
        /// No whitespace at all, as `json.Marshal`.
        case compact
        /// One member or element per line, indented by `indent` per level, `"key": value`, and
        /// `[]`/`{}` for empty containers, as `json.MarshalIndent(v, "", indent)`.
        case pretty(indent: String)

        /// Four spaces, as every CNI component prints results and errors.
        public static let pretty = Style.pretty(indent: "    ")
    }

    /// UTF-8 JSON text for `value`.
    public static func bytes(_ value: JSONValue, style: Style = .compact) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        switch style {
        case .compact: writeCompact(value, to: &out)
        case .pretty(let indent): writePretty(value, indent: Array(indent.utf8), level: 0, to: &out)
        }
        return out
    }

    /// JSON text for `value`.
    public static func string(_ value: JSONValue, style: Style = .compact) -> String {
        String(decoding: bytes(value, style: style), as: UTF8.self)
    }

    /// Appends `bytes` as a quoted JSON string, escaped as Go escapes: `\"`, `\\`, `\b`, `\f`,
    /// `\n`, `\r`, `\t`; other control characters and the HTML-sensitive `<`, `>`, `&` as
    /// `\u00XX`; U+2028 and U+2029 as `\u2028`/`\u2029`; and each byte of invalid UTF-8 as
    /// `\ufffd`. Everything else is copied unchanged.
    public static func appendQuoted<Bytes: Collection>(_ bytes: Bytes, to out: inout [UInt8])
    where Bytes.Element == UInt8 {
        let b = Array(bytes)
        out.append(UInt8(ascii: "\""))
        var i = 0
        var runStart = 0
        @inline(__always) func flush(_ end: Int, _ out: inout [UInt8]) {
            if runStart < end { out.append(contentsOf: b[runStart..<end]) }
        }
        while i < b.count {
            let c = b[i]
            if c < 0x80 {
                if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\")
                    && c != UInt8(ascii: "<") && c != UInt8(ascii: ">") && c != UInt8(ascii: "&")
                {
                    i += 1
                    continue
                }
                flush(i, &out)
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(c)
                case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default: appendUnicodeEscape(UInt32(c), to: &out)
                }
                i += 1
                runStart = i
                continue
            }
            guard let n = UTF8Validation.sequenceLength(b, at: i) else {
                flush(i, &out)
                appendUnicodeEscape(0xFFFD, to: &out)
                i += 1
                runStart = i
                continue
            }
            // U+2028 and U+2029 (E2 80 A8/A9) end lines in JavaScript.
            if n == 3 && c == 0xE2 && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9) {
                flush(i, &out)
                appendUnicodeEscape(b[i + 2] == 0xA8 ? 0x2028 : 0x2029, to: &out)
                i += 3
                runStart = i
                continue
            }
            i += n
        }
        flush(i, &out)
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendUnicodeEscape(_ v: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int((v >> UInt32(shift)) & 0xF)])
        }
    }

    private static func writeScalar(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])  // null
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .number(let n): out.append(contentsOf: n.literal.utf8)
        case .string(let s): appendQuoted(s.utf8, to: &out)
        case .array, .object: preconditionFailure("not a scalar")
        }
    }

    private static func writeCompact(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (n, e) in elements.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                writeCompact(e, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (n, m) in object.members.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                appendQuoted(m.key.utf8, to: &out)
                out.append(UInt8(ascii: ":"))
                writeCompact(m.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        default:
            writeScalar(value, to: &out)
        }
    }

    private static func newline(_ indent: [UInt8], _ level: Int, _ out: inout [UInt8]) {
        out.append(0x0A)
        for _ in 0..<level { out.append(contentsOf: indent) }
    }

    private static func writePretty(_ value: JSONValue, indent: [UInt8], level: Int, to out: inout [UInt8]) {
        switch value {
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            guard !elements.isEmpty else { out.append(UInt8(ascii: "]")); return }
            for (n, e) in elements.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent, level + 1, &out)
                writePretty(e, indent: indent, level: level + 1, to: &out)
            }
            newline(indent, level, &out)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            guard !object.isEmpty else { out.append(UInt8(ascii: "}")); return }
            for (n, m) in object.members.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent, level + 1, &out)
                appendQuoted(m.key.utf8, to: &out)
                out.append(UInt8(ascii: ":"))
                out.append(UInt8(ascii: " "))
                writePretty(m.value, indent: indent, level: level + 1, to: &out)
            }
            newline(indent, level, &out)
            out.append(UInt8(ascii: "}"))
        default:
            writeScalar(value, to: &out)
        }
    }
}

extension JSONValue {
    /// UTF-8 JSON text of this value (compact unless asked otherwise).
    public func serialized(_ style: JSONSerializer.Style = .compact) -> [UInt8] {
        JSONSerializer.bytes(self, style: style)
    }

    /// Parses one JSON document from bytes.
    public init(parsing bytes: [UInt8]) throws(JSONParseError) {
        self = try JSONParser.parse(bytes)
    }

    /// Parses one JSON document from text.
    public init(parsing text: String) throws(JSONParseError) {
        self = try JSONParser.parse(Array(text.utf8))
    }
}
