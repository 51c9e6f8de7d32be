/// Malformed JSON: what was wrong and where.
///
/// Messages use the vocabulary of Go's `encoding/json` (`invalid character 'x' looking for
/// beginning of value`, `unexpected end of JSON input`), so errors read like the reference
/// plugins' do, followed by the byte offset.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, without the position.
    public var message: String
    /// Offset of the offending byte from the start of the input (the input's length at its end).
    public var offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) at offset \(offset)" }

    static func unexpectedEnd(_ offset: Int) -> JSONParseError {
        JSONParseError(message: "unexpected end of JSON input", offset: offset)
    }

    static func invalidCharacter(_ byte: UInt8, _ context: String, _ offset: Int) -> JSONParseError {
        JSONParseError(message: "invalid character \(quoteByte(byte)) \(context)", offset: offset)
    }

    /// Go's `quoteChar`: `'x'`, `'"'`, `'\''`, `'\n'`, `'\x01'`.
    static func quoteByte(_ c: UInt8) -> String {
        switch c {
        case UInt8(ascii: "'"): return "'\\''"
        case UInt8(ascii: "\""): return "'\"'"
        case 0x07: return "'\\a'"
        case 0x08: return "'\\b'"
        case 0x0C: return "'\\f'"
        case 0x0A: return "'\\n'"
        case 0x0D: return "'\\r'"
        case 0x09: return "'\\t'"
        case 0x0B: return "'\\v'"
        case UInt8(ascii: "\\"): return "'\\\\'"
        case 0x20..<0x7F: return "'\(Character(Unicode.Scalar(c)))'"
        default:
            let hex = Array("0123456789abcdef".utf8)
            return "'\\x\(Character(Unicode.Scalar(hex[Int(c >> 4)])))\(Character(Unicode.Scalar(hex[Int(c & 0xF)])))'"
        }
    }
}
