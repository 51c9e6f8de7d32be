import Netlink

/// The VLAN settings of one host port, as the reference's `setupVeth` applies them (HEAD):
///
/// - with `vlan` or `vlanTrunk` set and `preserveDefaultVlan` off, every VLAN the port already has
///   (the bridge's default PVID, normally 1) is removed first, so the container sees only its own;
/// - the native VLAN, `vlan` (or 1 for a trunk without `vlan`, kept for backward compatibility),
///   is added as PVID and untagged;
/// - each trunk VLAN is added tagged. A trunk id equal to the native VLAN is skipped: adding it
///   tagged afterwards would take the PVID and untagged flags away again.
public struct PortVLANPlan: Hashable, Sendable {
    /// Remove the port's existing VLANs first.
    public var clearExisting: Bool
    /// The VLANs to add, in order.
    public var vlans: [BridgeVLAN]

    public init(clearExisting: Bool, vlans: [BridgeVLAN]) {
        self.clearExisting = clearExisting
        self.vlans = vlans
    }

    /// The plan for an access VLAN (`vlan`, 0 for none), a trunk, and `preserveDefaultVlan`.
    public init(vlan: UInt16, trunk: [UInt16], preserveDefaultVlan: Bool) {
        guard vlan != 0 || !trunk.isEmpty else {
            self.init(clearExisting: false, vlans: [])
            return
        }
        let native = vlan != 0 ? vlan : 1
        self.init(
            clearExisting: !preserveDefaultVlan,
            vlans: [.access(native)] + trunk.filter { $0 != native }.map(BridgeVLAN.tagged))
    }

    /// Nothing to do.
    public var isEmpty: Bool { !clearExisting && vlans.isEmpty }
}

/// What makes a veth end a port of the bridge: master, port flags, VLANs.
public struct BridgePortSettings: Hashable, Sendable {
    public var hairpin: Bool
    public var isolated: Bool
    public var vlans: PortVLANPlan

    public init(hairpin: Bool, isolated: Bool, vlans: PortVLANPlan) {
        self.hairpin = hairpin
        self.isolated = isolated
        self.vlans = vlans
    }

    /// The container port of `config`.
    public init(_ config: BridgeConfig) {
        self.init(
            hairpin: config.hairpinMode, isolated: config.portIsolation,
            vlans: PortVLANPlan(vlan: config.vlan, trunk: config.vlanTrunk, preserveDefaultVlan: config.preserveDefaultVlan))
    }

    /// Enslaves `port` to `bridge` and applies the settings, through `netlink` (the host's):
    /// `ip link set <port> master <bridge>`, `bridge link set dev <port> hairpin on|off
    /// [isolated on]`, then the VLAN plan (`bridge vlan del|add dev <port> vid N ... master`).
    ///
    /// Hairpin is always written, as the reference writes it; `isolated` only when set (a new
    /// port is not isolated, and kernels before 4.18 do not know the flag).
    public func apply(to port: Link, bridge: Link, netlink: RouteNetlink) throws {
        try BridgeError.wrapping(.system, "failed to connect \"\(port.name)\" to bridge \"\(bridge.name)\"") {
            try netlink.setMaster(port, bridge)
        }
        try BridgeError.wrapping(.system, "failed to set port flags of \"\(port.name)\"") {
            try netlink.setBridgePort(port, BridgePortFlags(hairpin: hairpin, isolated: isolated ? true : nil))
        }
        if vlans.clearExisting {
            let existing = try BridgeError.wrapping(.system, "failed to list the VLANs of \"\(port.name)\"") {
                try netlink.bridgeVLANs(of: port)
            }
            for vlan in existing {
                try BridgeError.wrapping(.system, "failed to remove VLAN \(vlan.id) from \"\(port.name)\"") {
                    try netlink.deleteBridgeVLAN(BridgeVLAN(id: vlan.id), from: port)
                }
            }
        }
        for vlan in vlans.vlans {
            try BridgeError.wrapping(.system, "failed to add VLAN \(vlan) to \"\(port.name)\"") {
                try netlink.addBridgeVLAN(vlan, to: port)
            }
        }
    }
}
