/// Go's `strconv.Quote` (what `%q` prints), for messages that reproduce libcni's texts:
/// `"` and `\` escaped, `\a\b\f\n\r\t\v`, other controls and invalid UTF-8 bytes as `\xHH`,
/// non-printable characters as `\uHHHH`/`\UHHHHHHHH`, printable Unicode kept.
public func goQuote(_ text: String) -> String { goQuote(bytes: Array(text.utf8)) }

public func goQuote(bytes b: [UInt8]) -> String {
    let hex = Array("0123456789abcdef".utf8)
    var out: [UInt8] = [UInt8(ascii: "\"")]
    func hexEscape(_ prefix: UInt8, _ value: UInt32, digits: Int) {
        out.append(UInt8(ascii: "\\"))
        out.append(prefix)
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
            out.append(hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }
    var i = 0
    while i < b.count {
        let c = b[i]
        if c < 0x80 {
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(c)
            case 0x07: out.append(contentsOf: Array("\\a".utf8))
            case 0x08: out.append(contentsOf: Array("\\b".utf8))
            case 0x0C: out.append(contentsOf: Array("\\f".utf8))
            case 0x0A: out.append(contentsOf: Array("\\n".utf8))
            case 0x0D: out.append(contentsOf: Array("\\r".utf8))
            case 0x09: out.append(contentsOf: Array("\\t".utf8))
            case 0x0B: out.append(contentsOf: Array("\\v".utf8))
            case 0x20..<0x7F: out.append(c)
            default: hexEscape(UInt8(ascii: "x"), UInt32(c), digits: 2)
            }
            i += 1
            continue
        }
        guard let n = UTF8Validation.sequenceLength(b, at: i) else {
            hexEscape(UInt8(ascii: "x"), UInt32(c), digits: 2)
            i += 1
            continue
        }
        let scalar = String(decoding: b[i..<(i + n)], as: UTF8.self).unicodeScalars.first!
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
            .spaceSeparator:
            if scalar.value < 0x10000 {
                hexEscape(UInt8(ascii: "u"), scalar.value, digits: 4)
            } else {
                hexEscape(UInt8(ascii: "U"), scalar.value, digits: 8)
            }
        default:
            out.append(contentsOf: b[i..<(i + n)])
        }
        i += n
    }
    out.append(UInt8(ascii: "\""))
    return String(decoding: out, as: UTF8.self)
}
