/// An nftables address family (`nft add table <family> ...`). The raw value is the kernel's NFPROTO_* number.
public struct NFTFamily: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Both IPv4 and IPv6 (`inet`). The corresponding C constant is `NFPROTO_INET`.
    public static let inet = NFTFamily(rawValue: 1)
    /// IPv4 (`ip`). The corresponding C constant is `NFPROTO_IPV4`.
    public static let ip = NFTFamily(rawValue: 2)
    /// IPv6 (`ip6`). The corresponding C constant is `NFPROTO_IPV6`.
    public static let ip6 = NFTFamily(rawValue: 10)
    /// `arp`. The corresponding C constant is `NFPROTO_ARP`.
    public static let arp = NFTFamily(rawValue: 3)
    /// `netdev`. The corresponding C constant is `NFPROTO_NETDEV`.
    public static let netdev = NFTFamily(rawValue: 5)
    /// `bridge`. The corresponding C constant is `NFPROTO_BRIDGE`.
    public static let bridge = NFTFamily(rawValue: 7)

    public var description: String {
        switch rawValue {
        case 1: return "inet"
        case 2: return "ip"
        case 10: return "ip6"
        case 3: return "arp"
        case 5: return "netdev"
        case 7: return "bridge"
        default: return "family(\(rawValue))"
        }
    }
}

/// A table by family and name, as `nft` names it: `inet cni_plugins_masquerade`.
public struct NFTTableRef: Hashable, Sendable, CustomStringConvertible {
    public var family: NFTFamily
    public var name: String
    public init(_ family: NFTFamily, _ name: String) {
        self.family = family
        self.name = name
    }
    public var description: String { "\(family) \(name)" }

    /// A chain of this table.
    public func chain(_ name: String) -> NFTChainRef { NFTChainRef(table: self, name: name) }
}

/// A chain by table and name: `inet cni_plugins_masquerade masq_checks`.
public struct NFTChainRef: Hashable, Sendable, CustomStringConvertible {
    public var table: NFTTableRef
    public var name: String
    public init(table: NFTTableRef, name: String) {
        self.table = table
        self.name = name
    }
    public var description: String { "\(table) \(name)" }
}

/// A table to create: `add table inet t { comment "..." ; }`.
public struct NFTTable: Hashable, Sendable {
    public var ref: NFTTableRef
    /// Stored as the table's userdata (NFTNL_UDATA_TABLE_COMMENT), as the nft CLI does.
    public var comment: String?
    public init(_ ref: NFTTableRef, comment: String? = nil) {
        self.ref = ref
        self.comment = comment
    }
}

/// The chain type of a base chain (`type nat`).
public struct NFTChainType: RawRepresentable, Hashable, Sendable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let filter = NFTChainType(rawValue: "filter")
    public static let nat = NFTChainType(rawValue: "nat")
    public static let route = NFTChainType(rawValue: "route")
}

/// A netfilter hook (`hook postrouting`). The raw value is the kernel's NF_INET_* number.
public struct NFTHook: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The corresponding C constant is `NF_INET_PRE_ROUTING`.
    public static let prerouting = NFTHook(rawValue: 0)
    /// The corresponding C constant is `NF_INET_LOCAL_IN`.
    public static let input = NFTHook(rawValue: 1)
    /// The corresponding C constant is `NF_INET_FORWARD`.
    public static let forward = NFTHook(rawValue: 2)
    /// The corresponding C constant is `NF_INET_LOCAL_OUT`.
    public static let output = NFTHook(rawValue: 3)
    /// The corresponding C constant is `NF_INET_POST_ROUTING`.
    public static let postrouting = NFTHook(rawValue: 4)
}

/// Standard chain priorities of the ip, ip6 and inet families, as `nft` resolves their names.
public enum NFTPriority {
    /// `priority raw`
    public static let raw: Int32 = -300
    /// `priority mangle`
    public static let mangle: Int32 = -150
    /// `priority dstnat`
    public static let dstnat: Int32 = -100
    /// `priority filter`
    public static let filter: Int32 = 0
    /// `priority security`
    public static let security: Int32 = 50
    /// `priority srcnat`
    public static let srcnat: Int32 = 100
}

/// What makes a chain a base chain: `{ type nat hook postrouting priority srcnat; policy accept; }`.
public struct NFTBaseChain: Hashable, Sendable {
    public var type: NFTChainType
    public var hook: NFTHook
    public var priority: Int32
    /// nil leaves the kernel default (accept) and sends no policy attribute, as `nft` does when none is given.
    public var policy: NFTVerdict?
    public init(type: NFTChainType, hook: NFTHook, priority: Int32, policy: NFTVerdict? = nil) {
        self.type = type
        self.hook = hook
        self.priority = priority
        self.policy = policy
    }
}

/// A chain to create: a regular chain when `base` is nil.
public struct NFTChain: Hashable, Sendable {
    public var ref: NFTChainRef
    public var base: NFTBaseChain?
    /// Stored as the chain's userdata (NFTNL_UDATA_CHAIN_COMMENT), as the nft CLI does.
    public var comment: String?
    public init(_ ref: NFTChainRef, base: NFTBaseChain? = nil, comment: String? = nil) {
        self.ref = ref
        self.base = base
        self.comment = comment
    }
}

/// A verdict (`accept`, `jump c`, ...), as an immediate statement or a base-chain policy.
public enum NFTVerdict: Hashable, Sendable, CustomStringConvertible {
    case accept, drop, `return`, `continue`
    case jump(String)
    case goto(String)

    /// The kernel's verdict code (NF_ACCEPT, NFT_JUMP, ...).
    var code: Int32 {
        switch self {
        case .drop: return 0  // NF_DROP
        case .accept: return 1  // NF_ACCEPT
        case .continue: return -1  // NFT_CONTINUE
        case .jump: return -3  // NFT_JUMP
        case .goto: return -4  // NFT_GOTO
        case .return: return -5  // NFT_RETURN
        }
    }

    var chain: String? {
        switch self {
        case .jump(let c), .goto(let c): return c
        default: return nil
        }
    }

    init?(code: Int32, chain: String?) {
        switch code {
        case 0: self = .drop
        case 1: self = .accept
        case -1: self = .continue
        case -3: self = .jump(chain ?? "")
        case -4: self = .goto(chain ?? "")
        case -5: self = .return
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .accept: return "accept"
        case .drop: return "drop"
        case .return: return "return"
        case .continue: return "continue"
        case .jump(let c): return "jump \(c)"
        case .goto(let c): return "goto \(c)"
        }
    }
}
