import NetAddress

/// Builds a rule's expressions statement by statement, emitting exactly what the `nft` CLI (1.0.x) emits
/// for the same words, dependencies included, so that `nft list ruleset` prints our rules exactly as it
/// prints rules made with `nft`:
///
///     var r = NFTRuleBuilder(family: .inet)
///     r.match(.source, address: ip)             // ip saddr 10.88.0.2
///     r.match(.destination, .neq, subnet)       // ip daddr != 10.88.0.0/16
///     r.masquerade()                            // masquerade
///
/// In an `inet` table an address match is preceded by `meta nfproto ipv4` once per rule, as `nft` does; in
/// `ip`/`ip6` tables it is not. A port match after `matchProtocol(_:)` prints as `tcp dport 80`, without it
/// as `th dport 80`.
public struct NFTRuleBuilder: Sendable {
    /// Which address of the network header a match reads.
    public enum AddressField: Sendable { case source, destination }
    /// Which interface a name match reads.
    public enum InterfaceField: Sendable { case input, output }

    public let family: NFTFamily
    public private(set) var expressions: [NFTExpression] = []
    /// The network protocol already established by a `meta nfproto` match (inet tables).
    private var networkContext: IPFamily?

    public init(family: NFTFamily) {
        self.family = family
        switch family {
        case .ip: networkContext = .v4
        case .ip6: networkContext = .v6
        default: networkContext = nil
        }
    }

    /// Appends a raw expression (for what the typed statements do not cover).
    public mutating func append(_ expression: NFTExpression) { expressions.append(expression) }

    /// `meta nfproto ipv4|ipv6`
    public mutating func matchNetworkProtocol(_ ipFamily: IPFamily) {
        expressions.append(.meta(.nfproto, register: nftRegister1))
        expressions.append(.cmp(.eq, register: nftRegister1, data: [ipFamily.rawValue]))
        networkContext = ipFamily
    }

    /// `ip saddr 10.0.0.1`, `ip6 daddr != fd00::1`: a single address.
    public mutating func match(_ field: AddressField, _ op: NFTCmpOp = .eq, address: IPAddress) {
        match(field, op, IPNetwork(host: address))
    }

    /// `ip daddr 10.88.0.0/16`: `match(_:_:_:)` with `==`.
    public mutating func match(_ field: AddressField, _ network: IPNetwork) {
        match(field, .eq, network)
    }

    /// `ip daddr != 10.88.0.0/16`: a prefix (host bits are cleared, as `nft` does). A full-length prefix
    /// compares the whole address; a byte-aligned one loads only the prefix bytes; any other loads the
    /// address and masks it with a bitwise expression (`/0` included).
    public mutating func match(_ field: AddressField, _ op: NFTCmpOp, _ network: IPNetwork) {
        let ipFamily = network.family
        if networkContext != ipFamily { matchNetworkProtocol(ipFamily) }
        let width = ipFamily.bitWidth / 8
        let offset: UInt32
        switch (ipFamily, field) {
        case (.v4, .source): offset = 12
        case (.v4, .destination): offset = 16
        case (.v6, .source): offset = 8
        case (.v6, .destination): offset = 24
        }
        let bytes = network.firstAddress.bytes
        let prefix = network.prefixLength
        if prefix == width * 8 || (prefix % 8 == 0 && prefix > 0) {
            let length = prefix / 8
            expressions.append(.payload(.network, offset: offset, length: UInt32(length), register: nftRegister1))
            expressions.append(.cmp(op, register: nftRegister1, data: Array(bytes[0..<length])))
        } else {
            let mask = network.netmask.bytes
            expressions.append(.payload(.network, offset: offset, length: UInt32(width), register: nftRegister1))
            expressions.append(
                .bitwise(
                    source: nftRegister1, destination: nftRegister1, mask: mask,
                    xor: [UInt8](repeating: 0, count: width)))
            expressions.append(.cmp(op, register: nftRegister1, data: bytes))
        }
    }

    /// `meta l4proto tcp`; a following `matchPort` then prints as `tcp dport ...`.
    public mutating func matchProtocol(_ proto: NFTIPProtocol, _ op: NFTCmpOp = .eq) {
        expressions.append(.meta(.l4proto, register: nftRegister1))
        expressions.append(.cmp(op, register: nftRegister1, data: [proto.rawValue]))
    }

    /// `th dport 8080` (or `tcp dport 8080` after `matchProtocol(.tcp)`).
    public mutating func matchPort(_ field: AddressField, _ port: UInt16) { matchPort(field, .eq, port) }

    /// `th dport != 8080`
    public mutating func matchPort(_ field: AddressField, _ op: NFTCmpOp, _ port: UInt16) {
        let offset: UInt32 = field == .source ? 0 : 2
        expressions.append(.payload(.transport, offset: offset, length: 2, register: nftRegister1))
        expressions.append(.cmp(op, register: nftRegister1, data: [UInt8(port >> 8), UInt8(port & 0xff)]))
    }

    /// `iifname "eth0"`, `oifname != "veth*"`: a trailing `*` matches a name prefix, as in `nft`.
    public mutating func matchInterface(_ field: InterfaceField, _ op: NFTCmpOp = .eq, name: String) {
        expressions.append(.meta(field == .input ? .iifname : .oifname, register: nftRegister1))
        var bytes = Array(name.utf8)
        if bytes.last == UInt8(ascii: "*") {
            bytes.removeLast()
        } else {
            bytes += [UInt8](repeating: 0, count: max(0, 16 - bytes.count))  // IFNAMSIZ, NUL-padded
        }
        expressions.append(.cmp(op, register: nftRegister1, data: bytes))
    }

    /// `fib daddr type local`: the destination is an address of this host.
    public mutating func matchDestinationIsLocal() {
        expressions.append(
            .fib(flags: NFTFib.destinationAddress, result: NFTFib.resultAddressType, register: nftRegister1))
        expressions.append(.cmp(.eq, register: nftRegister1, data: hostOrder(NFTFib.addressTypeLocal)))
    }

    /// `ct state established,related`: any of the given states.
    public mutating func matchConntrackState(_ states: NFTConntrackState) {
        expressions.append(.ct(.state, register: nftRegister1))
        expressions.append(
            .bitwise(
                source: nftRegister1, destination: nftRegister1, mask: hostOrder(states.rawValue),
                xor: [0, 0, 0, 0]))
        expressions.append(.cmp(.neq, register: nftRegister1, data: [0, 0, 0, 0]))
    }

    /// `counter`
    public mutating func counter() { expressions.append(.counter) }

    /// `masquerade`
    public mutating func masquerade() { expressions.append(.masquerade) }

    /// `dnat to 10.0.0.2:80`, `dnat to [fd00::2]:80` (`dnat ip to ...` in an inet table).
    public mutating func dnat(to address: IPAddress, port: UInt16? = nil) {
        nat(.dnat, address: address, port: port)
    }

    /// `snat to 10.0.0.1`, optionally with a port.
    public mutating func snat(to address: IPAddress, port: UInt16? = nil) {
        nat(.snat, address: address, port: port)
    }

    /// `accept`, `return`, `jump c`, `goto c`, ...
    public mutating func verdict(_ verdict: NFTVerdict) { expressions.append(.verdict(verdict)) }

    private mutating func nat(_ type: NFTNATType, address: IPAddress, port: UInt16?) {
        expressions.append(.immediate(register: nftRegister1, data: address.bytes))
        if let port {
            expressions.append(.immediate(register: nftRegister2, data: [UInt8(port >> 8), UInt8(port & 0xff)]))
        }
        let natFamily: NFTFamily = address.family == .v4 ? .ip : .ip6
        expressions.append(
            .nat(
                type, family: natFamily, addressRegister: nftRegister1, portRegister: port == nil ? nil : nftRegister2,
                flags: port == nil ? 0 : 2))  // NF_NAT_RANGE_PROTO_SPECIFIED
    }
}

/// A 32-bit value as the kernel keeps it in a register: host byte order.
func hostOrder(_ value: UInt32) -> [UInt8] {
    withUnsafeBytes(of: value) { Array($0) }
}
