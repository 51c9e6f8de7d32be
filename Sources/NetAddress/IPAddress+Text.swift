extension IPAddress: CustomStringConvertible, LosslessStringConvertible {
    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with an optional dotted IPv4 tail), as Go's
    /// `net.ParseIP` does: no zones, no leading zeros in IPv4 octets. `::ffff:a.b.c.d` is IPv4.
    public init?(_ text: String) {
        var utf8 = Array(text.utf8)
        if utf8.contains(UInt8(ascii: ":")) {
            guard let v6 = Self.parseV6(&utf8) else { return nil }
            self = v6.unmapped
        } else {
            guard let v4 = Self.parseV4(utf8[...]) else { return nil }
            self.init(v4: v4)
        }
    }

    public var description: String {
        switch family {
        case .v4:
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
        case .v6:
            return v6Description
        }
    }

    private var v6Description: String {
        let groups = (0..<8).map { i -> UInt16 in
            let half = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: half >> (48 - 16 * (i % 4)))
        }
        // Longest run of at least two zero groups; the first one wins a tie (RFC 5952 4.2.3).
        var bestStart = -1, bestLength = 1, i = 0
        while i < 8 {
            guard groups[i] == 0 else { i += 1; continue }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > bestLength { bestStart = i; bestLength = j - i }
            i = j
        }
        var out = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                out += "::"
                k += bestLength
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += Hex.group(groups[k])
            k += 1
        }
        return out
    }

    static func parseV4(_ s: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octets = 0
        var current = 0
        var digits = 0
        for c in s {
            if c == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | UInt32(current)
                octets += 1
                current = 0
                digits = 0
            } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                if digits > 0 && current == 0 { return nil }  // leading zero
                current = current * 10 + Int(c - UInt8(ascii: "0"))
                digits += 1
                guard current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return value << 8 | UInt32(current)
    }

    private static func parseV6(_ s: inout [UInt8]) -> IPAddress? {
        var groups: [UInt16] = []
        var ellipsis: Int? = nil
        var i = 0
        let n = s.count
        if n >= 2 && s[0] == UInt8(ascii: ":") && s[1] == UInt8(ascii: ":") {
            ellipsis = 0
            i = 2
            if i == n { return IPAddress(v6High: 0, low: 0) }
        }
        while i < n {
            // A group: up to 4 hex digits, or a dotted IPv4 tail.
            var j = i
            var value = 0
            while j < n, let d = hexValue(s[j]), j - i < 4 {
                value = value << 4 | d
                j += 1
            }
            if j < n && s[j] == UInt8(ascii: ".") {
                guard ellipsis != nil || groups.count == 6, groups.count <= 6,
                    let v4 = parseV4(s[i...])
                else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xffff))
                i = n
                break
            }
            guard j > i else { return nil }
            groups.append(UInt16(value))
            i = j
            if i == n { break }
            guard s[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            if i < n && s[i] == UInt8(ascii: ":") {
                guard ellipsis == nil else { return nil }
                ellipsis = groups.count
                i += 1
                if i == n { break }
            } else if i == n {
                return nil
            }
            guard groups.count < 8 else { return nil }
        }
        if let e = ellipsis {
            guard groups.count < 8 else { return nil }
            groups.insert(contentsOf: repeatElement(0, count: 8 - groups.count), at: e)
        }
        guard groups.count == 8 else { return nil }
        let h = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let l = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return IPAddress(v6High: h, low: l)
    }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(c - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(c - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }
}
