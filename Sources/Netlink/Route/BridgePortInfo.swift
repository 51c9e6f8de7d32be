/// A bridge port's settings (`IFLA_BRPORT_*`), read from a port's `IFLA_INFO_SLAVE_DATA` or from
/// the `IFLA_PROTINFO` of an `AF_BRIDGE` dump. `bridge -d link show` prints the same.
public struct BridgePortInfo: Hashable, Sendable {
    /// STP port state (`IFLA_BRPORT_STATE`): 0 disabled, 1 listening, 2 learning, 3 forwarding, 4 blocking.
    public var state: UInt8
    /// Frames may leave through the port they came in on (`IFLA_BRPORT_MODE`, "hairpin").
    public var hairpin: Bool
    /// Isolated ports only talk to non-isolated ports (`IFLA_BRPORT_ISOLATED`).
    public var isolated: Bool
    /// Source MACs are learnt on this port (`IFLA_BRPORT_LEARNING`).
    public var learning: Bool

    public init(state: UInt8 = 0, hairpin: Bool = false, isolated: Bool = false, learning: Bool = true) {
        self.state = state
        self.hairpin = hairpin
        self.isolated = isolated
        self.learning = learning
    }
}

/// Port flags to change on a bridge port; nil leaves a flag as it is.
/// Used by `RouteNetlink.setBridgePort(_:_:)` (`bridge link set dev X hairpin on isolated off`).
public struct BridgePortFlags: Hashable, Sendable {
    /// `hairpin on|off` (`IFLA_BRPORT_MODE`).
    public var hairpin: Bool?
    /// `isolated on|off` (`IFLA_BRPORT_ISOLATED`).
    public var isolated: Bool?
    /// `learning on|off` (`IFLA_BRPORT_LEARNING`).
    public var learning: Bool?

    public init(hairpin: Bool? = nil, isolated: Bool? = nil, learning: Bool? = nil) {
        self.hairpin = hairpin
        self.isolated = isolated
        self.learning = learning
    }
}

/// Bridge-device settings (`IFLA_INFO_DATA` of a `bridge` link).
public struct BridgeInfo: Hashable, Sendable {
    /// VLAN filtering on (`IFLA_BR_VLAN_FILTERING`), needed for per-port VLANs.
    public var vlanFiltering: Bool
    /// VLAN given to new ports (`IFLA_BR_VLAN_DEFAULT_PVID`), normally 1.
    public var defaultPVID: UInt16?

    public init(vlanFiltering: Bool = false, defaultPVID: UInt16? = nil) {
        self.vlanFiltering = vlanFiltering
        self.defaultPVID = defaultPVID
    }
}
