extension RouteNetlink {
    /// Adds a VLAN to a bridge port. Equivalent to `bridge vlan add dev <port> vid <id> [pvid] [untagged] master`.
    public func addBridgeVLAN(_ vlan: BridgeVLAN, to port: Link) throws {
        try execute(.bridgeVLAN(add: true, vlan, port: port.index, name: port.name))
    }

    /// Removes a VLAN from a bridge port. Equivalent to `bridge vlan del dev <port> vid <id> master`.
    public func deleteBridgeVLAN(_ vlan: BridgeVLAN, from port: Link) throws {
        try execute(.bridgeVLAN(add: false, vlan, port: port.index, name: port.name))
    }

    /// The VLANs of one bridge port (empty when it has none or is not a port).
    /// Equivalent to `bridge vlan show dev <port>`.
    public func bridgeVLANs(of port: Link) throws -> [BridgeVLAN] {
        try bridgeVLANs().first { $0.index == port.index }?.vlans ?? []
    }

    /// Every bridge port (and bridge) with its VLANs. Equivalent to `bridge vlan show`.
    public func bridgeVLANs() throws -> [BridgePortVLANs] {
        try dump(.dumpBridgeVLANs(), BridgePortVLANs.init(message:))
    }
}
