// Statements portmap needs beyond the masquerade's: a conntrack status match (so that hairpin
// masquerading only touches connections that were DNATed) and port intervals (published port ranges).

extension NFTConntrackKey {
    /// `ct status`. The corresponding C constant is `NFT_CT_STATUS`.
    public static let status = NFTConntrackKey(rawValue: 2)
}

/// Conntrack status bits as `ct status` matches them (the kernel's IPS_* values).
public struct NFTConntrackStatus: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `snat`: the connection's source was rewritten. The C constant is `IPS_SRC_NAT`.
    public static let sourceNAT = NFTConntrackStatus(rawValue: 0x10)
    /// `dnat`: the connection's destination was rewritten. The C constant is `IPS_DST_NAT`.
    public static let destinationNAT = NFTConntrackStatus(rawValue: 0x20)
}

extension NFTRuleBuilder {
    /// `ct status dnat`: any of the given status bits is set (the same expressions `nft` emits).
    public mutating func matchConntrackStatus(_ status: NFTConntrackStatus) {
        append(.ct(.status, register: nftRegister1))
        append(
            .bitwise(
                source: nftRegister1, destination: nftRegister1, mask: hostOrder(status.rawValue), xor: [0, 0, 0, 0]))
        append(.cmp(.neq, register: nftRegister1, data: [0, 0, 0, 0]))
    }

    /// `th dport >= 8000 th dport <= 8009` (`tcp dport ...` after `matchProtocol`): a closed port
    /// interval, as two comparisons of one load. A one-port range is a plain `matchPort`.
    public mutating func matchPorts(_ field: AddressField, _ ports: ClosedRange<UInt16>) {
        guard ports.lowerBound != ports.upperBound else {
            matchPort(field, ports.lowerBound)
            return
        }
        let offset: UInt32 = field == .source ? 0 : 2
        append(.payload(.transport, offset: offset, length: 2, register: nftRegister1))
        append(.cmp(.gte, register: nftRegister1, data: bigEndian(ports.lowerBound)))
        append(.cmp(.lte, register: nftRegister1, data: bigEndian(ports.upperBound)))
    }
}

private func bigEndian(_ port: UInt16) -> [UInt8] { [UInt8(port >> 8), UInt8(port & 0xff)] }
