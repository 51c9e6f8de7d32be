import CNetlinkShim
import NetAddress

extension NetlinkRequest {
    /// Stats are never read here; skipping them keeps link replies small.
    static let linkExtMask = u32(RTEXT_FILTER_SKIP_STATS)

    private static func linkHeader(family: UInt8 = 0, index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> ifinfomsg {
        ifinfomsg(ifi_family: family, __ifi_pad: 0, ifi_type: 0, ifi_index: index, ifi_flags: flags, ifi_change: change)
    }

    /// `RTM_GETLINK` for one link by name (`ip link show dev <name>`).
    public static func getLink(name: String) -> NetlinkRequest {
        NetlinkRequest("get link \(name)", type: ty(RTM_GETLINK), flags: RequestFlags.change) { b in
            b.append(header: linkHeader())
            b.put(ty(IFLA_EXT_MASK), u32: linkExtMask)
            b.put(ty(IFLA_IFNAME), string: name)
        }
    }

    /// `RTM_GETLINK` for one link by index.
    public static func getLink(index: Int32) -> NetlinkRequest {
        NetlinkRequest("get link #\(index)", type: ty(RTM_GETLINK), flags: RequestFlags.change) { b in
            b.append(header: linkHeader(index: index))
            b.put(ty(IFLA_EXT_MASK), u32: linkExtMask)
        }
    }

    /// `RTM_GETLINK` dump of every link (`ip link show`).
    public static func dumpLinks() -> NetlinkRequest {
        NetlinkRequest("dump links", type: ty(RTM_GETLINK), flags: RequestFlags.dumpRequest) { b in
            b.append(header: linkHeader())
            b.put(ty(IFLA_EXT_MASK), u32: linkExtMask)
        }
    }

    /// `RTM_NEWLINK` creating a veth pair, the peer possibly in another namespace.
    ///
    /// ```
    /// ifinfomsg | IFLA_IFNAME name | [IFLA_MTU] | [IFLA_TXQLEN] | [IFLA_ADDRESS]
    /// | IFLA_LINKINFO { IFLA_INFO_KIND "veth"
    ///                   IFLA_INFO_DATA { VETH_INFO_PEER { ifinfomsg | IFLA_IFNAME peer | [IFLA_MTU]
    ///                                                     | [IFLA_TXQLEN] | [IFLA_ADDRESS]
    ///                                                     | [IFLA_NET_NS_FD] } } }
    /// ```
    public static func newVeth(_ spec: VethSpec) -> NetlinkRequest {
        NetlinkRequest(
            "add link \(spec.name) (veth peer \(spec.peerName))", type: ty(RTM_NEWLINK), flags: RequestFlags.createExclusive
        ) { b in
            b.append(header: linkHeader())
            b.put(ty(IFLA_IFNAME), string: spec.name)
            if let mtu = spec.mtu { b.put(ty(IFLA_MTU), u32: mtu) }
            if let qlen = spec.txQueueLength { b.put(ty(IFLA_TXQLEN), u32: qlen) }
            if let mac = spec.mac { b.put(ty(IFLA_ADDRESS), bytes: mac.bytes) }
            b.nest(ty(IFLA_LINKINFO)) { info in
                info.put(ty(IFLA_INFO_KIND), string: "veth")
                info.nest(ty(IFLA_INFO_DATA)) { data in
                    data.nest(ty(VETH_INFO_PEER)) { peer in
                        peer.append(header: linkHeader())
                        peer.put(ty(IFLA_IFNAME), string: spec.peerName)
                        if let mtu = spec.mtu { peer.put(ty(IFLA_MTU), u32: mtu) }
                        if let qlen = spec.txQueueLength { peer.put(ty(IFLA_TXQLEN), u32: qlen) }
                        if let mac = spec.peerMAC { peer.put(ty(IFLA_ADDRESS), bytes: mac.bytes) }
                        if let fd = spec.peerNamespaceFD { peer.put(ty(IFLA_NET_NS_FD), u32: UInt32(bitPattern: fd)) }
                    }
                }
            }
        }
    }

    /// `RTM_NEWLINK` creating a bridge.
    public static func newBridge(_ spec: BridgeSpec) -> NetlinkRequest {
        NetlinkRequest("add link \(spec.name) (bridge)", type: ty(RTM_NEWLINK), flags: RequestFlags.createExclusive) { b in
            b.append(header: linkHeader())
            b.put(ty(IFLA_IFNAME), string: spec.name)
            if let mtu = spec.mtu { b.put(ty(IFLA_MTU), u32: mtu) }
            if let mac = spec.mac { b.put(ty(IFLA_ADDRESS), bytes: mac.bytes) }
            b.nest(ty(IFLA_LINKINFO)) { info in
                info.put(ty(IFLA_INFO_KIND), string: "bridge")
                if spec.vlanFiltering {
                    info.nest(ty(IFLA_INFO_DATA)) { $0.put(ty(IFLA_BR_VLAN_FILTERING), u8: 1) }
                }
            }
        }
    }

    /// `RTM_NEWLINK` creating a link of a kind without a peer (dummy, vlan, ipvlan, vrf, ifb).
    ///
    /// ```
    /// ifinfomsg [IFF_UP] | IFLA_IFNAME name | [IFLA_MTU] | [IFLA_TXQLEN] | [IFLA_ADDRESS] | [IFLA_LINK parent]
    /// | [IFLA_NET_NS_FD] | IFLA_LINKINFO { IFLA_INFO_KIND kind | [IFLA_INFO_DATA { kind settings }] }
    /// ```
    public static func newLink(_ spec: LinkSpec) -> NetlinkRequest {
        let up = spec.up ? InterfaceFlags.up.rawValue : 0
        return NetlinkRequest(
            "add link \(spec.name) (\(spec.type.summary))", type: ty(RTM_NEWLINK), flags: RequestFlags.createExclusive
        ) { b in
            b.append(header: linkHeader(flags: up, change: up))
            b.put(ty(IFLA_IFNAME), string: spec.name)
            if let mtu = spec.mtu { b.put(ty(IFLA_MTU), u32: mtu) }
            if let qlen = spec.txQueueLength { b.put(ty(IFLA_TXQLEN), u32: qlen) }
            if let mac = spec.mac { b.put(ty(IFLA_ADDRESS), bytes: mac.bytes) }
            if let parent = spec.parentIndex { b.put(ty(IFLA_LINK), u32: UInt32(bitPattern: parent)) }
            if let fd = spec.namespaceFD { b.put(ty(IFLA_NET_NS_FD), u32: UInt32(bitPattern: fd)) }
            b.nest(ty(IFLA_LINKINFO)) { info in
                info.put(ty(IFLA_INFO_KIND), string: spec.type.kind.name)
                spec.type.encodeData(into: &info)
            }
        }
    }

    /// `RTM_SETLINK` applying `changes` to the link `index` (`name` only labels errors).
    public static func setLink(index: Int32, name: String, _ changes: LinkChanges) -> NetlinkRequest {
        var flags: UInt32 = 0
        var change: UInt32 = 0
        if let up = changes.up {
            change |= InterfaceFlags.up.rawValue
            if up { flags |= InterfaceFlags.up.rawValue }
        }
        if let promiscuous = changes.promiscuous {
            change |= InterfaceFlags.promiscuous.rawValue
            if promiscuous { flags |= InterfaceFlags.promiscuous.rawValue }
        }
        if let allMulticast = changes.allMulticast {
            change |= InterfaceFlags.allMulticast.rawValue
            if allMulticast { flags |= InterfaceFlags.allMulticast.rawValue }
        }
        return NetlinkRequest("set link \(name) \(changes.summary)", type: ty(RTM_SETLINK), flags: RequestFlags.change) { b in
            b.append(header: linkHeader(index: index, flags: flags, change: change))
            if let mtu = changes.mtu { b.put(ty(IFLA_MTU), u32: mtu) }
            if let mac = changes.mac { b.put(ty(IFLA_ADDRESS), bytes: mac.bytes) }
            if let master = changes.masterIndex { b.put(ty(IFLA_MASTER), u32: UInt32(bitPattern: master)) }
            if let qlen = changes.txQueueLength { b.put(ty(IFLA_TXQLEN), u32: qlen) }
            if let name = changes.name { b.put(ty(IFLA_IFNAME), string: name) }
            // An empty alias is an attribute without payload (not even a NUL), as iproute2 sends it.
            if let alias = changes.alias { b.put(ty(IFLA_IFALIAS), bytes: alias.isEmpty ? [] : Array(alias.utf8) + [0]) }
            if let fd = changes.namespaceFD { b.put(ty(IFLA_NET_NS_FD), u32: UInt32(bitPattern: fd)) }
        }
    }

    /// `RTM_DELLINK` for the link `index` (`name` only labels errors).
    public static func deleteLink(index: Int32, name: String) -> NetlinkRequest {
        NetlinkRequest("delete link \(name)", type: ty(RTM_DELLINK), flags: RequestFlags.change) { b in
            b.append(header: linkHeader(index: index))
        }
    }

    /// `RTM_SETLINK` with family `AF_BRIDGE` and `IFLA_PROTINFO` setting bridge-port flags, in
    /// the attribute order `bridge link set dev <port> hairpin .. learning .. isolated ..` uses.
    public static func setBridgePort(index: Int32, name: String, _ flags: BridgePortFlags) -> NetlinkRequest {
        var words: [String] = []
        if let hairpin = flags.hairpin { words.append("hairpin \(hairpin ? "on" : "off")") }
        if let isolated = flags.isolated { words.append("isolated \(isolated ? "on" : "off")") }
        if let learning = flags.learning { words.append("learning \(learning ? "on" : "off")") }
        return NetlinkRequest(
            "set bridge port \(name) \(words.joined(separator: " "))", type: ty(RTM_SETLINK), flags: RequestFlags.change
        ) { b in
            b.append(header: linkHeader(family: u8(AF_BRIDGE), index: index))
            b.nest(ty(IFLA_PROTINFO)) { port in
                if let hairpin = flags.hairpin { port.put(ty(IFLA_BRPORT_MODE), u8: hairpin ? 1 : 0) }
                if let learning = flags.learning { port.put(ty(IFLA_BRPORT_LEARNING), u8: learning ? 1 : 0) }
                if let isolated = flags.isolated { port.put(ty(IFLA_BRPORT_ISOLATED), u8: isolated ? 1 : 0) }
            }
        }
    }

    static func bridgeHeader(index: Int32) -> ifinfomsg { linkHeader(family: u8(AF_BRIDGE), index: index) }
}
