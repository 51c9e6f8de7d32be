/// An RFC 8259 parser over bytes that accepts exactly what Go's `encoding/json` accepts.
///
/// The syntax is strict: exactly one value with only JSON whitespace around it, no comments, no
/// trailing commas, no leading zeros or bare `.5`, no control characters inside strings. Strings
/// are repaired as Go repairs them, never refused: each byte that does not begin a well-formed
/// UTF-8 sequence becomes U+FFFD, and so does a `\u` escape of an unpaired surrogate. A key that
/// repeats is kept as often as it is written (``JSONObject``). Nesting is limited to Go's 10000
/// levels (`invalid character '[' exceeded max depth`).
public struct JSONParser {
    /// Go's `maxNestingDepth`: 10000 nested arrays and objects are read, 10001 are refused.
    public static let defaultMaximumDepth = 10000

    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0
    private let maximumDepth: Int

    public init(_ bytes: [UInt8], maximumDepth: Int = JSONParser.defaultMaximumDepth) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    /// Parses one JSON document.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes, maximumDepth: maximumDepth)
        return try parser.parseDocument()
    }

    /// Parses one JSON document from UTF-8 text.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses the whole input as one value.
    public mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        i = 0
        depth = 0
        let value = try parseValue()
        skipWhitespace()
        if i < bytes.count {
            throw .invalidCharacter(bytes[i], "after top-level value", i)
        }
        return value
    }

    // MARK: - Values

    /// An array or object being read: what it holds so far (and the key of the member whose
    /// value comes next). Containers are kept on an explicit stack rather than the call stack,
    /// so 10000 levels of nesting cost no deep recursion.
    private struct Open {
        var isObject: Bool
        var elements: [JSONValue] = []
        var members: [JSONObject.Member] = []
        var key = ""
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        var open: [Open] = []
        while true {
            // Read one value, or open a container and go on to its first element or member.
            skipWhitespace()
            guard i < bytes.count else { throw .unexpectedEnd(i) }
            var value: JSONValue
            switch bytes[i] {
            case UInt8(ascii: "{"):
                try enter()
                i += 1
                skipWhitespace()
                guard i < bytes.count else { throw .unexpectedEnd(i) }
                if bytes[i] == UInt8(ascii: "}") {
                    i += 1
                    depth -= 1
                    value = .object(JSONObject())
                } else {
                    open.append(Open(isObject: true, key: try parseKey()))
                    continue
                }
            case UInt8(ascii: "["):
                try enter()
                i += 1
                skipWhitespace()
                guard i < bytes.count else { throw .unexpectedEnd(i) }
                if bytes[i] == UInt8(ascii: "]") {
                    i += 1
                    depth -= 1
                    value = .array([])
                } else {
                    open.append(Open(isObject: false))
                    continue
                }
            case UInt8(ascii: "\""): value = .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            default:
                throw .invalidCharacter(bytes[i], "looking for beginning of value", i)
            }
            // Hand the value to the innermost open container, closing containers as they end.
            // The innermost container is mutated in place (no copy of what it holds so far).
            closing: while let top = open.indices.last {
                skipWhitespace()
                guard i < bytes.count else { throw .unexpectedEnd(i) }
                if open[top].isObject {
                    // A repeated key is kept: what it means depends on the Go type it is read into.
                    open[top].members.append(JSONObject.Member(key: open[top].key, value: value))
                    switch bytes[i] {
                    case UInt8(ascii: ","):
                        i += 1
                        skipWhitespace()
                        open[top].key = try parseKey()
                        break closing
                    case UInt8(ascii: "}"):
                        i += 1
                        depth -= 1
                        value = .object(JSONObject(members: open.removeLast().members))
                    default:
                        throw .invalidCharacter(bytes[i], "after object key:value pair", i)
                    }
                } else {
                    open[top].elements.append(value)
                    switch bytes[i] {
                    case UInt8(ascii: ","):
                        i += 1
                        break closing
                    case UInt8(ascii: "]"):
                        i += 1
                        depth -= 1
                        value = .array(open.removeLast().elements)
                    default:
                        throw .invalidCharacter(bytes[i], "after array element", i)
                    }
                }
            }
            if open.isEmpty { return value }
        }
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maximumDepth {
            throw .invalidCharacter(bytes[i], "exceeded max depth", i)
        }
    }

    /// `"key":` at the current position (whitespace before it already skipped).
    private mutating func parseKey() throws(JSONParseError) -> String {
        guard i < bytes.count else { throw .unexpectedEnd(i) }
        guard bytes[i] == UInt8(ascii: "\"") else {
            throw .invalidCharacter(bytes[i], "looking for beginning of object key string", i)
        }
        let key = try parseString()
        skipWhitespace()
        guard i < bytes.count else { throw .unexpectedEnd(i) }
        guard bytes[i] == UInt8(ascii: ":") else {
            throw .invalidCharacter(bytes[i], "after object key", i)
        }
        i += 1
        return key
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for (k, c) in expected.enumerated() {
            guard i + k < bytes.count else { throw .unexpectedEnd(bytes.count) }
            if bytes[i + k] != c {
                throw .invalidCharacter(
                    bytes[i + k], "in literal \(word) (expecting \(JSONParseError.quoteByte(c)))", i + k)
            }
        }
        i += expected.count
    }

    private mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = i
        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        func digits(_ parser: inout JSONParser) throws(JSONParseError) {
            guard parser.i < parser.bytes.count else { throw .unexpectedEnd(parser.i) }
            guard isDigit(parser.bytes[parser.i]) else {
                throw .invalidCharacter(parser.bytes[parser.i], "in numeric literal", parser.i)
            }
            while parser.i < parser.bytes.count && isDigit(parser.bytes[parser.i]) { parser.i += 1 }
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count else { throw .unexpectedEnd(i) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1  // a leading zero stands alone; "01" fails at the top level or container
        } else {
            try digits(&self)
        }
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            try digits(&self)
        }
        if i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            try digits(&self)
        }
        return JSONNumber(validatedLiteral: String(decoding: bytes[start..<i], as: UTF8.self))
    }

    // MARK: - Strings

    private mutating func parseString() throws(JSONParseError) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes and well-formed UTF-8, so the bytes between the quotes are the string.
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: bytes[start..<i], as: UTF8.self)
                i += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw .invalidCharacter(c, "in string literal", i) }
            if c < 0x80 {
                i += 1
            } else {
                guard let n = UTF8Validation.sequenceLength(bytes, at: i) else { break }
                i += n
            }
        }
        guard i < bytes.count else { throw .unexpectedEnd(i) }
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case 0..<0x20:
                throw .invalidCharacter(c, "in string literal", i)
            case 0x20..<0x80:
                out.append(c)
                i += 1
            default:
                if let n = UTF8Validation.sequenceLength(bytes, at: i) {
                    out.append(contentsOf: bytes[i..<(i + n)])
                    i += n
                } else {
                    // Go's rule (not Unicode's "maximal subpart"): one U+FFFD per bad byte.
                    UTF8Validation.append(0xFFFD, to: &out)
                    i += 1
                }
            }
        }
        throw .unexpectedEnd(i)
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(JSONParseError) {
        i += 1  // backslash
        guard i < bytes.count else { throw .unexpectedEnd(i) }
        let c = bytes[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if scalar >= 0xD800 && scalar < 0xDC00 {
                // A high surrogate is only meaningful followed by an escaped low one.
                if i + 1 < bytes.count && bytes[i] == UInt8(ascii: "\\") && bytes[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    let low = try parseHex4()
                    if low >= 0xDC00 && low < 0xE000 {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        scalar = 0xFFFD
                        i = save
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if scalar >= 0xDC00 && scalar < 0xE000 {
                scalar = 0xFFFD
            }
            UTF8Validation.append(scalar, to: &out)
        default:
            throw .invalidCharacter(c, "in string escape code", i - 1)
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard i < bytes.count else { throw .unexpectedEnd(i) }
            let c = bytes[i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A")) + 10
            default: throw .invalidCharacter(c, "in \\u hexadecimal character escape", i)
            }
            value = value << 4 | d
            i += 1
        }
        return value
    }
}
