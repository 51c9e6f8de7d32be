import Netlink

/// Bytes from annotated hex segments: whitespace is ignored, so each segment can mirror one wire
/// structure (header, family header, attribute).
func hex(_ segments: String...) -> [UInt8] {
    let digits = segments.joined().filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// Hex text of bytes, grouped by 4, for readable failure messages.
func hexString(_ bytes: [UInt8]) -> String {
    var text = ""
    for (i, byte) in bytes.enumerated() {
        if i > 0 && i % 4 == 0 { text += " " }
        text += (byte < 16 ? "0" : "") + String(byte, radix: 16)
    }
    return text
}

/// A message with sequence number and port ID zeroed, as golden bytes are written.
func zeroingSequenceAndPort(_ bytes: [UInt8]) -> [UInt8] {
    var copy = bytes
    for i in 8..<16 { copy[i] = 0 }
    return copy
}

extension Link {
    /// The RTM_NEWLINK payload (ifinfomsg and attributes) of this link.
    var payload: [UInt8] { message.payload }
}
