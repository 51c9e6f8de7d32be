/// Lowercase hexadecimal digits appended as UTF-8, for text every plugin run may print (MAC
/// addresses, SHA-512 names): `String(_:radix:)` and `joined(separator:)` are generic, and their
/// first use sets up ~120K instructions of metadata, 15% of a loopback ADD.
enum Hex {
    /// The digit for a value 0...15.
    @inline(__always)
    static func digit(_ value: UInt8) -> UInt8 { value < 10 ? 0x30 + value : 0x57 + value }

    /// An IPv6 group: its digits without leading zeros ("0" for zero).
    static func group(_ value: UInt16) -> String {
        var text: [UInt8] = []
        var shift = 12
        while shift > 0 && (value >> UInt16(shift)) == 0 { shift -= 4 }
        while shift >= 0 {
            text.append(digit(UInt8(truncatingIfNeeded: value >> UInt16(shift)) & 0x0F))
            shift -= 4
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the two digits of `byte`.
    @inline(__always)
    static func append(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(digit(byte >> 4))
        out.append(digit(byte & 0x0F))
    }
}
