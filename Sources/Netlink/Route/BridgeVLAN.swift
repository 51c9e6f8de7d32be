import CNetlinkShim

/// One VLAN on a bridge port (`struct bridge_vlan_info`), as `bridge vlan show` lists them.
public struct BridgeVLAN: Hashable, Sendable, CustomStringConvertible {
    /// VLAN ID, 1...4094.
    public var id: UInt16
    /// PVID, untagged, ...
    public var flags: BridgeVLANFlags

    public init(id: UInt16, flags: BridgeVLANFlags = []) {
        self.id = id
        self.flags = flags
    }

    /// An access VLAN: ingress untagged frames get it, egress frames leave untagged
    /// (`bridge vlan add vid <id> pvid untagged`).
    public static func access(_ id: UInt16) -> BridgeVLAN { BridgeVLAN(id: id, flags: [.pvid, .untagged]) }
    /// A trunk VLAN: frames carry the tag (`bridge vlan add vid <id>`).
    public static func tagged(_ id: UInt16) -> BridgeVLAN { BridgeVLAN(id: id) }

    public var description: String {
        var text = "\(id)"
        if flags.contains(.pvid) { text += " PVID" }
        if flags.contains(.untagged) { text += " Egress Untagged" }
        return text
    }
}

/// `bridge_vlan_info.flags` (`BRIDGE_VLAN_INFO_*`).
public struct BridgeVLANFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Apply to the bridge device itself as well. The corresponding C constant is `BRIDGE_VLAN_INFO_MASTER`.
    public static let master = BridgeVLANFlags(rawValue: ty(BRIDGE_VLAN_INFO_MASTER))
    /// Untagged ingress frames get this VLAN. The corresponding C constant is `BRIDGE_VLAN_INFO_PVID`.
    public static let pvid = BridgeVLANFlags(rawValue: ty(BRIDGE_VLAN_INFO_PVID))
    /// Egress frames leave untagged. The corresponding C constant is `BRIDGE_VLAN_INFO_UNTAGGED`.
    public static let untagged = BridgeVLANFlags(rawValue: ty(BRIDGE_VLAN_INFO_UNTAGGED))
    /// First VLAN of a range. The corresponding C constant is `BRIDGE_VLAN_INFO_RANGE_BEGIN`.
    public static let rangeBegin = BridgeVLANFlags(rawValue: ty(BRIDGE_VLAN_INFO_RANGE_BEGIN))
    /// Last VLAN of a range. The corresponding C constant is `BRIDGE_VLAN_INFO_RANGE_END`.
    public static let rangeEnd = BridgeVLANFlags(rawValue: ty(BRIDGE_VLAN_INFO_RANGE_END))
    /// A global bridge VLAN entry. The corresponding C constant is `BRIDGE_VLAN_INFO_BRENTRY`.
    public static let bridgeEntry = BridgeVLANFlags(rawValue: ty(BRIDGE_VLAN_INFO_BRENTRY))
}

/// A bridge port's VLANs, from an `AF_BRIDGE` link dump.
public struct BridgePortVLANs: Hashable, Sendable {
    /// The port's interface index.
    public var index: Int32
    /// The port's name.
    public var name: String
    /// Index of the bridge the port belongs to (the bridge itself lists its own VLANs with its own index).
    public var masterIndex: Int32?
    /// VLANs in the order the kernel lists them.
    public var vlans: [BridgeVLAN]

    public init(index: Int32, name: String, masterIndex: Int32? = nil, vlans: [BridgeVLAN]) {
        self.index = index
        self.name = name
        self.masterIndex = masterIndex
        self.vlans = vlans
    }
}

extension BridgePortVLANs {
    /// Decodes one `RTM_NEWLINK` of an `AF_BRIDGE` dump made with `RTEXT_FILTER_BRVLAN`.
    public init(message: NetlinkMessage) throws(NetlinkDecodingError) {
        let link = try Link(message: message)
        let attributes = try AttributeList(parsing: message.payload, from: MemoryLayout<ifinfomsg>.size)
        var vlans: [BridgeVLAN] = []
        for info in try attributes.nested(ty(IFLA_AF_SPEC))?.all(ty(IFLA_BRIDGE_VLAN_INFO)) ?? [] {
            guard let flags = info.payload.integer(UInt16.self, at: 0), let id = info.payload.integer(UInt16.self, at: 2) else {
                throw NetlinkDecodingError("IFLA_BRIDGE_VLAN_INFO shorter than 4 bytes", messageType: message.type)
            }
            vlans.append(BridgeVLAN(id: id, flags: BridgeVLANFlags(rawValue: flags)))
        }
        self.init(index: link.index, name: link.name, masterIndex: link.masterIndex, vlans: vlans)
    }
}
