/// One nftables expression, as the kernel stores it (what `nft --debug=netlink` prints in brackets).
///
/// Most callers build rules with `NFTRuleBuilder`, which emits the same expression sequences as the `nft`
/// CLI so that `nft list ruleset` prints our rules exactly like the reference's. This enum is the layer
/// below: it is what a listed rule decodes to, and what the builder's output is tested against.
public enum NFTExpression: Hashable, Sendable {
    /// `[ meta load <key> => reg <register> ]`
    case meta(NFTMetaKey, register: UInt32)
    /// `[ payload load <length>b @ <base> header + <offset> => reg <register> ]`
    case payload(NFTPayloadBase, offset: UInt32, length: UInt32, register: UInt32)
    /// `[ cmp <op> reg <register> <data> ]`; data in the register's byte order (network order for payloads).
    case cmp(NFTCmpOp, register: UInt32, data: [UInt8])
    /// `[ bitwise reg <destination> = ( reg <source> & <mask> ) ^ <xor> ]`
    case bitwise(source: UInt32, destination: UInt32, mask: [UInt8], xor: [UInt8])
    /// `[ immediate reg 0 <verdict> ]`
    case verdict(NFTVerdict)
    /// `[ immediate reg <register> <data> ]`
    case immediate(register: UInt32, data: [UInt8])
    /// `[ nat <snat|dnat> <family> addr_min reg <a> proto_min reg <p> flags <f> ]`
    case nat(NFTNATType, family: NFTFamily, addressRegister: UInt32?, portRegister: UInt32?, flags: UInt32)
    /// `[ masq ]`
    case masquerade
    /// `[ fib <flags> <result> => reg <register> ]`
    case fib(flags: UInt32, result: UInt32, register: UInt32)
    /// `[ ct load <key> => reg <register> ]`
    case ct(NFTConntrackKey, register: UInt32)
    /// `[ counter pkts 0 bytes 0 ]` (counts are not compared: they change with traffic).
    case counter
    /// An expression this layer does not model, by its kernel name (decoding only).
    case other(String)
}

/// The first data register (16 bytes), where `nft` loads what it compares. The C constant is `NFT_REG_1`.
public let nftRegister1: UInt32 = 1
/// The second data register. The C constant is `NFT_REG_2`.
public let nftRegister2: UInt32 = 2

/// A meta key (`meta l4proto`). The raw value is the kernel's NFT_META_* number.
public struct NFTMetaKey: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The corresponding C constant is `NFT_META_MARK`.
    public static let mark = NFTMetaKey(rawValue: 3)
    /// The corresponding C constant is `NFT_META_IIF`.
    public static let iif = NFTMetaKey(rawValue: 4)
    /// The corresponding C constant is `NFT_META_OIF`.
    public static let oif = NFTMetaKey(rawValue: 5)
    /// The corresponding C constant is `NFT_META_IIFNAME`.
    public static let iifname = NFTMetaKey(rawValue: 6)
    /// The corresponding C constant is `NFT_META_OIFNAME`.
    public static let oifname = NFTMetaKey(rawValue: 7)
    /// The corresponding C constant is `NFT_META_NFPROTO`.
    public static let nfproto = NFTMetaKey(rawValue: 15)
    /// The corresponding C constant is `NFT_META_L4PROTO`.
    public static let l4proto = NFTMetaKey(rawValue: 16)
}

/// Where a payload load starts. The raw value is the kernel's NFT_PAYLOAD_* base.
public struct NFTPayloadBase: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The corresponding C constant is `NFT_PAYLOAD_LL_HEADER`.
    public static let link = NFTPayloadBase(rawValue: 0)
    /// The corresponding C constant is `NFT_PAYLOAD_NETWORK_HEADER`.
    public static let network = NFTPayloadBase(rawValue: 1)
    /// The corresponding C constant is `NFT_PAYLOAD_TRANSPORT_HEADER`.
    public static let transport = NFTPayloadBase(rawValue: 2)
}

/// A comparison. The raw value is the kernel's NFT_CMP_* number.
public struct NFTCmpOp: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `==`. The corresponding C constant is `NFT_CMP_EQ`.
    public static let eq = NFTCmpOp(rawValue: 0)
    /// `!=`. The corresponding C constant is `NFT_CMP_NEQ`.
    public static let neq = NFTCmpOp(rawValue: 1)
    /// `<`. The corresponding C constant is `NFT_CMP_LT`.
    public static let lt = NFTCmpOp(rawValue: 2)
    /// `<=`. The corresponding C constant is `NFT_CMP_LTE`.
    public static let lte = NFTCmpOp(rawValue: 3)
    /// `>`. The corresponding C constant is `NFT_CMP_GT`.
    public static let gt = NFTCmpOp(rawValue: 4)
    /// `>=`. The corresponding C constant is `NFT_CMP_GTE`.
    public static let gte = NFTCmpOp(rawValue: 5)
}

/// `snat` or `dnat`. The raw value is the kernel's NFT_NAT_* number.
public struct NFTNATType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The corresponding C constant is `NFT_NAT_SNAT`.
    public static let snat = NFTNATType(rawValue: 0)
    /// The corresponding C constant is `NFT_NAT_DNAT`.
    public static let dnat = NFTNATType(rawValue: 1)
}

/// A conntrack key (`ct state`). The raw value is the kernel's NFT_CT_* number.
public struct NFTConntrackKey: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The corresponding C constant is `NFT_CT_STATE`.
    public static let state = NFTConntrackKey(rawValue: 0)
}

/// Conntrack states as `ct state` matches them (the kernel's NF_CT_STATE_BIT values).
public struct NFTConntrackState: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let invalid = NFTConntrackState(rawValue: 1)
    public static let established = NFTConntrackState(rawValue: 2)
    public static let related = NFTConntrackState(rawValue: 4)
    public static let new = NFTConntrackState(rawValue: 8)
    public static let untracked = NFTConntrackState(rawValue: 64)
}

/// The fib flags and results `fib daddr type` uses.
public enum NFTFib {
    /// Look up the destination address. The corresponding C constant is `NFTA_FIB_F_DADDR`.
    public static let destinationAddress: UInt32 = 1 << 1
    /// Return the address type (RTN_*). The corresponding C constant is `NFT_FIB_RESULT_ADDRTYPE`.
    public static let resultAddressType: UInt32 = 3
    /// A local address. The corresponding C constant is `RTN_LOCAL`.
    public static let addressTypeLocal: UInt32 = 2
}

/// An IP protocol number as `meta l4proto` compares it.
public struct NFTIPProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let tcp = NFTIPProtocol(rawValue: 6)
    public static let udp = NFTIPProtocol(rawValue: 17)
    public static let sctp = NFTIPProtocol(rawValue: 132)

    /// `tcp`, `udp` or `sctp`; nil for other names.
    public init?(name: String) {
        switch name {
        case "tcp": self = .tcp
        case "udp": self = .udp
        case "sctp": self = .sctp
        default: return nil
        }
    }

    public var description: String {
        switch rawValue {
        case 6: return "tcp"
        case 17: return "udp"
        case 132: return "sctp"
        default: return String(rawValue)
        }
    }
}
