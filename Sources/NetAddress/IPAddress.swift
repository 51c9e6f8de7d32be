/// An IPv4 or IPv6 address as a value. Parsing and printing follow Go's `net` package, so that
/// addresses we print (lease file names, results, rule comments) are byte-identical to the reference's:
/// IPv4 dotted quad, IPv6 in RFC 5952 form (lowercase, longest run of two or more zero groups as `::`).
public struct IPAddress: Hashable, Sendable, Comparable {
    /// IPv4 in the low 32 bits of `low` (and `high` = 0), IPv6 as two big-endian halves.
    public let family: IPFamily
    @usableFromInline let high: UInt64
    @usableFromInline let low: UInt64

    /// An IPv4 address from its 32-bit host-order value (`0x0a000001` is 10.0.0.1).
    public init(v4 value: UInt32) {
        family = .v4
        high = 0
        low = UInt64(value)
    }

    /// An IPv6 address from its two 64-bit halves, most significant first.
    public init(v6High high: UInt64, low: UInt64) {
        family = .v6
        self.high = high
        self.low = low
    }

    /// An address from 4 or 16 network-order bytes; nil for any other length.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        let array = Array(bytes)
        switch array.count {
        case 4:
            self.init(v4: array.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        case 16:
            let h = array[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let l = array[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self.init(v6High: h, low: l)
        default:
            return nil
        }
    }

    /// The 32-bit value of an IPv4 address (nil for IPv6).
    public var v4Value: UInt32? { family == .v4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch family {
        case .v4:
            let v = UInt32(truncatingIfNeeded: low)
            return [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
        case .v6:
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    /// Number of bits in an address of this family (32 or 128).
    public var bitWidth: Int { family.bitWidth }

    /// For `::ffff:a.b.c.d`, the IPv4 address `a.b.c.d`; otherwise self. Go treats the two as equal.
    public var unmapped: IPAddress {
        if family == .v6, high == 0, low >> 32 == 0xffff { return IPAddress(v4: UInt32(truncatingIfNeeded: low)) }
        return self
    }

    public var isUnspecified: Bool { high == 0 && low == 0 }
    public var isLoopback: Bool {
        switch family {
        case .v4: return low >> 24 == 127
        case .v6: return high == 0 && low == 1
        }
    }
    /// fe80::/10
    public var isLinkLocalUnicast: Bool {
        switch family {
        case .v4: return low >> 16 == 0xa9fe
        case .v6: return high >> 54 == 0x3fa
        }
    }
    public var isMulticast: Bool {
        switch family {
        case .v4: return low >> 28 == 0xe
        case .v6: return high >> 56 == 0xff
        }
    }
    /// Go's `IsGlobalUnicast`: not unspecified, loopback, link-local, multicast or (v4) broadcast.
    public var isGlobalUnicast: Bool {
        if family == .v4 && low == 0xffff_ffff { return false }
        return !isUnspecified && !isLoopback && !isLinkLocalUnicast && !isMulticast
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.family != b.family { return a.family == .v4 }
        return (a.high, a.low) < (b.high, b.low)
    }
}

/// The address family. Raw values are the kernel's `AF_INET`/`AF_INET6`.
public enum IPFamily: UInt8, Sendable, Hashable, CaseIterable {
    case v4 = 2
    case v6 = 10

    public var bitWidth: Int { self == .v4 ? 32 : 128 }
    /// "4" or "6", as CNI 0.3.x results spell the `version` of an IP.
    public var versionString: String { self == .v4 ? "4" : "6" }
}
