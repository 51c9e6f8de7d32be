extension IPAddress {
    /// The address `n` places after this one (negative: before), wrapping within the family.
    public func advanced(by n: Int) -> IPAddress {
        switch family {
        case .v4:
            return IPAddress(v4: UInt32(truncatingIfNeeded: Int64(low) &+ Int64(n)))
        case .v6:
            if n >= 0 {
                let (l, carry) = low.addingReportingOverflow(UInt64(n))
                return IPAddress(v6High: high &+ (carry ? 1 : 0), low: l)
            } else {
                let (l, borrow) = low.subtractingReportingOverflow(UInt64(-n))
                return IPAddress(v6High: high &- (borrow ? 1 : 0), low: l)
            }
        }
    }

    public var next: IPAddress { advanced(by: 1) }
    public var previous: IPAddress { advanced(by: -1) }

    /// This address with every bit after the first `prefixLength` cleared.
    public func masked(to prefixLength: Int) -> IPAddress {
        let (h, l) = Self.mask(prefixLength, family)
        return IPAddress(family: family, high: high & h, low: low & l)
    }

    /// This address with every bit after the first `prefixLength` set (the IPv4 broadcast).
    public func filledHostBits(after prefixLength: Int) -> IPAddress {
        let (h, l) = Self.mask(prefixLength, family)
        return IPAddress(family: family, high: high | ~h, low: low | ~l)
    }

    /// The netmask of a prefix length as an address (255.255.255.0 for a /24).
    public static func netmask(prefixLength: Int, family: IPFamily) -> IPAddress {
        let (h, l) = mask(prefixLength, family)
        return IPAddress(family: family, high: h, low: l)
    }

    /// The distance from `other` to self, when it fits in an Int (used for range sizes).
    public func distance(from other: IPAddress) -> Int? {
        guard family == other.family else { return nil }
        if family == .v4 { return Int(low) - Int(other.low) }
        let (dl, borrow) = low.subtractingReportingOverflow(other.low)
        let dh = high &- other.high &- (borrow ? 1 : 0)
        if dh == 0, dl <= UInt64(Int.max) { return Int(dl) }
        if dh == UInt64.max, dl > UInt64(Int.max) { return -Int(~dl) - 1 }
        return nil
    }

    init(family: IPFamily, high: UInt64, low: UInt64) {
        switch family {
        case .v4: self.init(v4: UInt32(truncatingIfNeeded: low))
        case .v6: self.init(v6High: high, low: low)
        }
    }

    private static func mask(_ prefix: Int, _ family: IPFamily) -> (UInt64, UInt64) {
        let p = max(0, min(prefix, family.bitWidth))
        switch family {
        case .v4:
            return (0, p == 0 ? 0 : UInt64(UInt32.max << (32 - p)))
        case .v6:
            let h: UInt64 = p >= 64 ? .max : (p == 0 ? 0 : .max << (64 - p))
            let l: UInt64 = p <= 64 ? 0 : (p == 128 ? .max : .max << (128 - p))
            return (h, l)
        }
    }
}
