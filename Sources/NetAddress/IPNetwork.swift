/// An address with a prefix length, as CIDR text `10.1.2.3/24`. The address may carry host bits
/// (an interface address, like Go's `net.IPNet` from an IPAM result); `network` clears them.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// nil when the prefix length does not fit the family.
    public init?(address: IPAddress, prefixLength: Int) {
        guard prefixLength >= 0, prefixLength <= address.bitWidth else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// A host route: /32 or /128.
    public init(host address: IPAddress) {
        self.address = address
        self.prefixLength = address.bitWidth
    }

    /// Parses `addr/len`. Like Go's `net.ParseCIDR` it rejects a missing or non-decimal length.
    public init?(_ text: String) {
        guard let slash = text.lastIndex(of: "/"),
            let address = IPAddress(String(text[..<slash])),
            let length = Self.parseLength(text[text.index(after: slash)...])
        else { return nil }
        // `::ffff:1.2.3.4/120` is IPv4 with the prefix counted in the 128-bit form, as Go does.
        var len = length
        if address.family == .v4, text[..<slash].contains(":") {
            guard len >= 96 else { return nil }
            len -= 96
        }
        self.init(address: address, prefixLength: len)
    }

    public var description: String { "\(address)/\(prefixLength)" }
    public var family: IPFamily { address.family }

    /// The network itself: host bits cleared (`10.1.2.0/24`).
    public var network: IPNetwork { IPNetwork(uncheckedAddress: address.masked(to: prefixLength), prefixLength) }
    /// The first address of the network.
    public var firstAddress: IPAddress { address.masked(to: prefixLength) }
    /// The last address of the network (the IPv4 broadcast).
    public var lastAddress: IPAddress { address.filledHostBits(after: prefixLength) }
    /// The netmask as an address (IPv4 `255.255.255.0`).
    public var netmask: IPAddress { IPAddress.netmask(prefixLength: prefixLength, family: family) }
    /// True when the address has no host bits set.
    public var isNetworkAddress: Bool { address == firstAddress }

    public func contains(_ ip: IPAddress) -> Bool {
        ip.family == family && ip.masked(to: prefixLength) == firstAddress
    }

    /// True when either network contains the other's first address.
    public func overlaps(_ other: IPNetwork) -> Bool {
        family == other.family && (contains(other.firstAddress) || other.contains(firstAddress))
    }

    /// The same address with another prefix length.
    public func with(address: IPAddress) -> IPNetwork {
        IPNetwork(uncheckedAddress: address, prefixLength)
    }

    init(uncheckedAddress: IPAddress, _ prefixLength: Int) {
        self.address = uncheckedAddress
        self.prefixLength = prefixLength
    }

    private static func parseLength(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.count <= 3, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(s)
    }
}
