import CNetlinkShim

extension NetlinkRequest {
    /// `RTM_SETLINK` (`add`) or `RTM_DELLINK` (delete), family `AF_BRIDGE`, for one VLAN on a
    /// bridge port. `IFLA_BRIDGE_FLAGS` = `BRIDGE_FLAGS_MASTER` addresses the bridge the port
    /// belongs to (iproute2's `master` keyword, the default), as the reference plugins do.
    /// Byte-identical to what `bridge vlan add|del dev <port> vid <id> [pvid untagged] master`
    /// sends (iproute2 6.1, traced), including `IFLA_AF_SPEC` without `NLA_F_NESTED`.
    ///
    /// ```
    /// ifinfomsg(AF_BRIDGE, index) | IFLA_AF_SPEC { IFLA_BRIDGE_FLAGS u16 | IFLA_BRIDGE_VLAN_INFO {flags u16, vid u16} }
    /// ```
    public static func bridgeVLAN(add: Bool, _ vlan: BridgeVLAN, port index: Int32, name: String) -> NetlinkRequest {
        NetlinkRequest(
            "\(add ? "add" : "delete") vlan \(vlan.id) on bridge port \(name)", type: ty(add ? RTM_SETLINK : RTM_DELLINK),
            flags: RequestFlags.change
        ) { b in
            b.append(header: bridgeHeader(index: index))
            b.nest(ty(IFLA_AF_SPEC), flagged: false) { spec in
                spec.put(ty(IFLA_BRIDGE_FLAGS), u16: ty(BRIDGE_FLAGS_MASTER))
                var info: [UInt8] = []
                info.appendInteger(vlan.flags.rawValue)
                info.appendInteger(vlan.id)
                spec.put(ty(IFLA_BRIDGE_VLAN_INFO), bytes: info)
            }
        }
    }

    /// `RTM_GETLINK` dump, family `AF_BRIDGE`, with `RTEXT_FILTER_BRVLAN`: every bridge port
    /// and its VLANs (`bridge vlan show`). The kernel cannot filter this dump by port.
    public static func dumpBridgeVLANs() -> NetlinkRequest {
        NetlinkRequest("dump bridge vlans", type: ty(RTM_GETLINK), flags: RequestFlags.dumpRequest) { b in
            b.append(header: bridgeHeader(index: 0))
            b.put(ty(IFLA_EXT_MASK), u32: u32(RTEXT_FILTER_BRVLAN))
        }
    }
}
