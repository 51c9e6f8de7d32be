import LinuxNet
import NetAddress
import Netlink

/// The bridge in the host namespace: created on first use, shared by every attachment of every
/// network that names it, and never removed (as in the reference: other attachments, addresses
/// and uplinks an administrator added may depend on it).
enum BridgeDevice {
    /// Finds or creates the bridge and brings it up, as the reference's `ensureBridge`:
    /// `ip link add <name> [mtu M] type bridge [vlan_filtering 1]`, `ip link set <name> promisc on`
    /// (when asked), `sysctl net.ipv6.conf.<name>.accept_ra=0`, `ip link set <name> up`.
    ///
    /// An existing bridge is used as it is (its MTU and VLAN filtering are not changed); an
    /// existing link of another kind is an error. Looking up first costs one request when the
    /// bridge exists, the common case; two ADDs racing to create it both succeed (`EEXIST`).
    static func ensure(_ config: BridgeConfig, in host: NetworkStack) throws -> Link {
        let name = config.bridge
        var link = try lookup(name, in: host)
        if link == nil {
            let spec = BridgeSpec(name: name, mtu: config.mtu, vlanFiltering: config.usesVLANs)
            do {
                try host.netlink.addBridge(spec)
            } catch let error as NetlinkError where error.isExists {
                // Created meanwhile by a concurrent ADD, or a link of another kind: looked at below.
            } catch {
                throw BridgeError(.system, "could not add bridge \"\(name)\"", cause: error)
            }
            link = try lookup(name, in: host)
        }
        guard var bridge = link else {
            throw BridgeError(.system, "bridge \"\(name)\" vanished after creation")
        }
        guard bridge.kind == .bridge else {
            throw BridgeError(.notABridge, "\"\(name)\" already exists but is not a bridge")
        }
        if config.promiscMode && !bridge.flags.contains(.promiscuous) {
            try BridgeError.wrapping(.system, "could not set promiscuous mode on \"\(name)\"") {
                try host.netlink.setPromiscuous(bridge, true)
            }
        }
        // The plugin owns the bridge's routes; missing when IPv6 is off, which is fine.
        _ = try? host.setSysctl("net/ipv6/conf/\(name)/accept_ra", to: "0")
        if !bridge.isUp {
            try BridgeError.wrapping(.system, "could not set \"\(name)\" up") { try host.netlink.setUp(bridge) }
            bridge.flags.insert(.up)
        }
        return bridge
    }

    /// The link `name`, or nil.
    static func lookup(_ name: String, in host: NetworkStack) throws -> Link? {
        try BridgeError.wrapping(.system, "could not look up \"\(name)\"") { try host.netlink.link(named: name) }
    }

    /// Puts the gateway address `gateway` (`10.1.0.1/24`) on `link` (the bridge, or the VLAN
    /// gateway), as the reference's `ensureAddr`:
    ///
    /// - the same address already there: nothing to do;
    /// - any other IPv4 address, or an IPv6 address whose subnet overlaps: with `force` it is
    ///   removed, otherwise ADD fails (`"cni0" already has an IP address different from …`);
    /// - then `ip addr add` (`EEXIST` accepted), and the link's MAC set to `mac`, the bridge's own
    ///   as read before any port joined. An explicitly set MAC stays; otherwise a Linux bridge
    ///   takes the lowest MAC of its ports, which changes as containers come and go.
    ///   A zero MAC (some old kernels' new bridge) is left alone instead of failing (plugins#620).
    static func ensureAddress(
        _ gateway: IPNetwork, on link: Link, pinning mac: MACAddress?, force: Bool, in host: NetworkStack
    ) throws {
        let existing = try BridgeError.wrapping(.system, "could not list the addresses of \"\(link.name)\"") {
            try host.netlink.addresses(family: gateway.family, index: link.index)
        }
        if existing.contains(where: { $0.network == gateway }) { return }
        for address in existing {
            let conflicts = gateway.family == .v4 || address.network.contains(gateway.address)
                || gateway.contains(address.network.address)
            guard conflicts else { continue }
            guard force else {
                throw BridgeError(.addressConflict, "\"\(link.name)\" already has an IP address different from \(gateway)")
            }
            try BridgeError.wrapping(.system, "could not remove IP address \(address.network) from \"\(link.name)\"") {
                try host.netlink.deleteAddress(Address(address.network, index: link.index))
            }
        }
        do {
            try host.netlink.addAddress(Address(gateway, index: link.index))
        } catch let error as NetlinkError where error.isExists {
        } catch {
            throw BridgeError(.system, "could not add IP address \(gateway) to \"\(link.name)\"", cause: error)
        }
        if let mac, mac != .zero {
            try BridgeError.wrapping(.system, "could not set the MAC of \"\(link.name)\"") {
                try host.netlink.setMAC(link, mac)
            }
        }
    }

    /// The VLAN gateway `<bridge>.<vlan>` that carries the gateway addresses when `vlan` is set
    /// (the reference's `ensureVlanInterface`): a veth pair entirely in the host namespace whose
    /// other, randomly named end is a bridge port with `vlan` as PVID. Created once and kept.
    static func ensureVLANGateway(bridge: Link, config: BridgeConfig, in host: NetworkStack) throws -> Link {
        let name = "\(bridge.name).\(config.vlan)"
        if let existing = try lookup(name, in: host) { return existing }
        let pair = try BridgeError.wrapping(.system, "failed to create vlan gateway \"\(name)\"") {
            try VethPair.create(.init(containerName: name, mtu: bridge.mtu, container: host, host: host))
        }
        do {
            let port = BridgePortSettings(
                hairpin: false, isolated: false,
                vlans: PortVLANPlan(vlan: config.vlan, trunk: [], preserveDefaultVlan: config.preserveDefaultVlan))
            try port.apply(to: pair.host, bridge: bridge, netlink: host.netlink)
            try BridgeError.wrapping(.system, "failed to set \"\(name)\" up") { try host.netlink.setUp(pair.container) }
        } catch {
            try? host.netlink.deleteLink(pair.container)
            throw error
        }
        return try lookup(name, in: host) ?? pair.container
    }
}
