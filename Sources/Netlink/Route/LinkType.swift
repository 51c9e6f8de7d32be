import CNetlinkShim

/// A link kind that needs no peer, with its settings: what follows `type` in `ip link add ...
/// type <kind> [options]`, sent as `IFLA_INFO_KIND` and `IFLA_INFO_DATA`. ``LinkSpec`` creates one;
/// ``Link/linkType`` reads it back. A new kind (macvlan, ...) is one more case here, with its
/// attributes in `encodeData` and `init(kind:data:)`.
public enum LinkType: Hashable, Sendable {
    /// `type dummy`: a link that drops everything, a stand-in for a NIC.
    case dummy
    /// `type macvlan mode <mode> [bcqueuelen <n>]`: a MAC address of its own on the parent's wire.
    /// `broadcastQueueLength` nil leaves the kernel's default (1000).
    case macvlan(mode: MACVLANMode, broadcastQueueLength: UInt32? = nil)
    /// A tun or tap device (`IFLA_INFO_KIND` "tun"). Only read back: the kernel creates these
    /// through `/dev/net/tun` ioctls, not `RTM_NEWLINK` (see ``TunInfo``).
    case tun(TunInfo)
    /// `type vlan id <id>`: 802.1Q-tagged frames through the parent link.
    case vlan(id: UInt16)
    /// `type ipvlan mode <mode> <flag>`: shares the parent's MAC address.
    case ipvlan(mode: IPVLANMode, flag: IPVLANFlag = .bridge)
    /// `type vrf table <table>`: a VRF device whose routes live in `table`.
    case vrf(table: UInt32)
    /// `type ifb`: an intermediate functional block, where redirected traffic is shaped.
    case ifb

    /// The kernel's name for the kind (`IFLA_INFO_KIND`).
    public var kind: LinkKind {
        switch self {
        case .dummy: return .other("dummy")
        case .macvlan: return .other("macvlan")
        case .tun: return .other("tun")
        case .vlan: return .other("vlan")
        case .ipvlan: return .other("ipvlan")
        case .vrf: return .other("vrf")
        case .ifb: return .other("ifb")
        }
    }

    /// The words `ip link add` takes after `type`, for operation labels ("vlan id 100").
    var summary: String {
        switch self {
        case .dummy: return "dummy"
        case .macvlan(let mode, let queue): return "macvlan mode \(mode)" + (queue.map { " bcqueuelen \($0)" } ?? "")
        case .tun(let info): return "tuntap mode \(info.isTap ? "tap" : "tun")"
        case .vlan(let id): return "vlan id \(id)"
        case .ipvlan(let mode, let flag): return "ipvlan mode \(mode) \(flag)"
        case .vrf(let table): return "vrf table \(table)"
        case .ifb: return "ifb"
        }
    }

    /// Writes `IFLA_INFO_DATA` (nothing for a kind without settings).
    func encodeData(into b: inout MessageBuilder) {
        switch self {
        case .dummy, .ifb:
            return
        case .macvlan(let mode, let queue):
            b.nest(ty(IFLA_INFO_DATA)) { data in
                data.put(ty(IFLA_MACVLAN_MODE), u32: mode.rawValue)
                if let queue { data.put(ty(IFLA_MACVLAN_BC_QUEUE_LEN), u32: queue) }
            }
        case .tun(let info):
            b.nest(ty(IFLA_INFO_DATA)) { info.encode(into: &$0) }
        case .vlan(let id):
            b.nest(ty(IFLA_INFO_DATA)) { $0.put(ty(IFLA_VLAN_ID), u16: id) }
        case .ipvlan(let mode, let flag):
            b.nest(ty(IFLA_INFO_DATA)) { data in
                data.put(ty(IFLA_IPVLAN_MODE), u16: mode.rawValue)
                data.put(ty(IFLA_IPVLAN_FLAGS), u16: flag.rawValue)
            }
        case .vrf(let table):
            b.nest(ty(IFLA_INFO_DATA)) { $0.put(ty(IFLA_VRF_TABLE), u32: table) }
        }
    }

    /// Decodes `IFLA_INFO_KIND` and `IFLA_INFO_DATA` of a reply; nil for kinds not modelled here
    /// or data without the attribute that defines the kind.
    init?(kind: String, data: AttributeList?) {
        switch kind {
        case "dummy":
            self = .dummy
        case "ifb":
            self = .ifb
        case "macvlan":
            guard let mode = data?[ty(IFLA_MACVLAN_MODE)]?.u32.flatMap(MACVLANMode.init(rawValue:)) else { return nil }
            self = .macvlan(mode: mode, broadcastQueueLength: data?[ty(IFLA_MACVLAN_BC_QUEUE_LEN)]?.u32)
        case "tun":
            guard let data else { return nil }
            self = .tun(TunInfo(data))
        case "vlan":
            guard let id = data?[ty(IFLA_VLAN_ID)]?.u16 else { return nil }
            self = .vlan(id: id)
        case "ipvlan":
            guard let mode = data?[ty(IFLA_IPVLAN_MODE)]?.u16.flatMap(IPVLANMode.init(rawValue:)) else { return nil }
            self = .ipvlan(mode: mode, flag: data?[ty(IFLA_IPVLAN_FLAGS)]?.u16.flatMap(IPVLANFlag.init(rawValue:)) ?? .bridge)
        case "vrf":
            guard let table = data?[ty(IFLA_VRF_TABLE)]?.u32 else { return nil }
            self = .vrf(table: table)
        default:
            return nil
        }
    }
}

/// Where an ipvlan link switches traffic (`IFLA_IPVLAN_MODE`, `ip link ... type ipvlan mode X`).
public enum IPVLANMode: UInt16, Hashable, Sendable, CustomStringConvertible {
    /// Switches on MAC addresses, ARP and neighbour discovery across the parent.
    case l2 = 0
    /// Routes on IP addresses; no broadcast or multicast.
    case l3 = 1
    /// As `l3`, with netfilter seeing the traffic (conntrack works).
    case l3s = 2

    public var description: String {
        switch self {
        case .l2: return "l2"
        case .l3: return "l3"
        case .l3s: return "l3s"
        }
    }
}

/// How ipvlan links on one parent reach each other (`IFLA_IPVLAN_FLAGS`).
public enum IPVLANFlag: UInt16, Hashable, Sendable, CustomStringConvertible {
    /// Directly, inside the parent (the kernel's default).
    case bridge = 0
    /// Not at all (`IPVLAN_F_PRIVATE`).
    case `private` = 1
    /// Through the external switch only (`IPVLAN_F_VEPA`).
    case vepa = 2

    public var description: String {
        switch self {
        case .bridge: return "bridge"
        case .private: return "private"
        case .vepa: return "vepa"
        }
    }
}

/// How a macvlan link shares its parent (`IFLA_MACVLAN_MODE`, `ip link ... type macvlan mode X`).
public enum MACVLANMode: UInt32, Hashable, Sendable, CustomStringConvertible {
    /// No traffic to other macvlans of the parent.
    case `private` = 1
    /// Traffic to other macvlans goes out to the switch and back (802.1Qbg).
    case vepa = 2
    /// Macvlans of one parent reach each other directly.
    case bridge = 4
    /// The only macvlan of the parent, which takes over the parent's address.
    case passthru = 8
    /// Receives only from listed source MACs.
    case source = 16

    public var description: String {
        switch self {
        case .private: return "private"
        case .vepa: return "vepa"
        case .bridge: return "bridge"
        case .passthru: return "passthru"
        case .source: return "source"
        }
    }
}
