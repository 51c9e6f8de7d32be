import NetAddress
import Netlink

/// A veth pair with one end in a container namespace and the other in the host namespace,
/// created and deleted the way the reference plugins' `ip.SetupVeth` and `ip.DelLinkByNameAddr`
/// do it (used by bridge and ptp).
public struct VethPair: Hashable, Sendable {
    /// The host end, read back through the host namespace's socket.
    public var host: Link
    /// The container end, read back through the container namespace's socket.
    public var container: Link

    public init(host: Link, container: Link) {
        self.host = host
        self.container = container
    }

    /// What to create.
    public struct Configuration {
        /// Name of the container end (CNI_IFNAME), such as `eth0`.
        public var containerName: String
        /// Name of the host end; nil draws `veth` + 8 random hex digits, retried on collision.
        public var hostName: String?
        /// MTU of both ends; nil for the kernel default.
        public var mtu: UInt32?
        /// MAC address of the container end; nil lets the kernel choose.
        public var containerMAC: MACAddress?
        /// The container's namespace and socket.
        public var container: NetworkStack
        /// The host's namespace and socket.
        public var host: NetworkStack

        public init(
            containerName: String, hostName: String? = nil, mtu: UInt32? = nil, containerMAC: MACAddress? = nil,
            container: NetworkStack, host: NetworkStack
        ) {
            self.containerName = containerName
            self.hostName = hostName
            self.mtu = mtu
            self.containerMAC = containerMAC
            self.container = container
            self.host = host
        }
    }

    /// Random host names tried before giving up, as the reference.
    static let nameAttempts = 10

    /// Creates the pair in one netlink request sent to the container namespace, with the host
    /// end placed directly in the host namespace (no namespace move). Then sets the host end up
    /// and writes `accept_ra=0` for it (the plugin owns the host end's routes; the write is
    /// skipped silently when IPv6 is off). Both ends are returned as read back from their own
    /// namespaces. If a step after the creation fails, the pair is deleted again.
    ///
    /// Throws ``InterfaceError`` with ``InterfaceError/Code/nameInUse`` when the container name
    /// exists, when a given host name exists, or when every random host name collided.
    public static func create(_ configuration: Configuration) throws -> VethPair {
        let containerName = configuration.containerName
        let containerNetlink = configuration.container.netlink
        // Checked first, so an EEXIST below can only mean the host name collided.
        if try InterfaceError.wrapping(containerName, "cannot look up \"\(containerName)\"", {
            try containerNetlink.link(named: containerName)
        }) != nil {
            throw InterfaceError(
                .nameInUse, interface: containerName,
                message: "container veth name \"\(containerName)\" already exists")
        }
        let hostName = try createPair(configuration)
        do {
            return try finishHostSide(configuration, hostName: hostName)
        } catch {
            if let container = try? containerNetlink.link(named: containerName) {
                try? containerNetlink.deleteLink(container)
            }
            throw error
        }
    }

    /// Sends the creation request, drawing new random host names on collision; returns the host name used.
    private static func createPair(_ configuration: Configuration) throws -> String {
        let containerName = configuration.containerName
        for _ in 0..<(configuration.hostName == nil ? nameAttempts : 1) {
            let hostName = try InterfaceError.wrapping(containerName, "cannot draw a random veth name") {
                try configuration.hostName ?? RandomName.veth()
            }
            // Queue length 0 on both ends, as the reference's veths have (its netlink library sends
            // the zero value): `ip -d link` then reads the same whichever plugin made the pair. A
            // veth has no qdisc (noqueue), so the value only matters to a qdisc added later.
            let spec = VethSpec(
                name: containerName, peerName: hostName, peerNamespaceFD: configuration.host.namespace.descriptor,
                mtu: configuration.mtu, mac: configuration.containerMAC, txQueueLength: 0)
            do {
                try configuration.container.netlink.addVeth(spec)
                return hostName
            } catch let error as NetlinkError where error.isExists {
                if configuration.hostName != nil {
                    throw InterfaceError(
                        .nameInUse, interface: hostName, message: "host veth name \"\(hostName)\" already exists", cause: error)
                }
            } catch {
                throw InterfaceError(
                    .systemFailure, interface: containerName,
                    message: "failed to create veth pair \"\(containerName)\"/\"\(hostName)\"", cause: error)
            }
        }
        throw InterfaceError(
            .nameInUse, interface: containerName,
            message: "no free host veth name after \(nameAttempts) random attempts")
    }

    private static func finishHostSide(_ configuration: Configuration, hostName: String) throws -> VethPair {
        let host = configuration.host
        let containerName = configuration.containerName
        // Indexes are per namespace: look each end up through its own namespace's socket.
        guard let hostEnd = try InterfaceError.wrapping(hostName, "cannot look up host veth \"\(hostName)\"", {
            try host.netlink.link(named: hostName)
        }) else {
            throw InterfaceError(.linkNotFound, interface: hostName, message: "host veth \"\(hostName)\" vanished after creation")
        }
        try InterfaceError.wrapping(hostName, "failed to set host veth \"\(hostName)\" up") {
            try host.netlink.setUp(hostEnd)
        }
        // Best effort, as the reference: the key is missing when IPv6 is disabled.
        _ = try? host.setSysctl("net/ipv6/conf/\(hostName)/accept_ra", to: "0")
        let upHost = try InterfaceError.wrapping(hostName, "cannot look up host veth \"\(hostName)\"") {
            try host.netlink.link(index: hostEnd.index)
        }
        let container = try InterfaceError.wrapping(containerName, "cannot look up container veth \"\(containerName)\"") {
            try configuration.container.netlink.link(named: containerName)
        }
        guard let upHost, let container else {
            throw InterfaceError(.linkNotFound, interface: containerName, message: "veth pair \"\(containerName)\" vanished after creation")
        }
        return VethPair(host: upHost, container: container)
    }

    /// The link `name` and its global-unicast addresses (which DEL needs to tear down
    /// masquerading), or nil when there is no such link. A link that vanishes between the lookup
    /// and the address listing (the kernel destroys a deleted namespace's veths asynchronously, and
    /// deleting one end takes the other) is "no such link" too, not an error. Equivalent to
    /// `ip addr show dev <name>`.
    public static func lookup(named name: String, in stack: NetworkStack) throws -> (link: Link, addresses: [IPNetwork])? {
        try InterfaceError.wrapping(name, "cannot look up \"\(name)\"") { () throws -> (link: Link, addresses: [IPNetwork])? in
            do {
                guard let link = try stack.netlink.link(named: name) else { return nil }
                let addresses = try stack.netlink.addresses(index: link.index)
                return (link, addresses.map(\.network).filter(\.address.isGlobalUnicast))
            } catch let error as NetlinkError where error.isNotFound {
                return nil
            }
        }
    }

    /// Removes `addresses` from `link`; an address (or link) already gone counts as removed.
    /// Removing an address returns at once while deleting a veth waits ~15 ms for RCU grace
    /// periods, so DEL removes the addresses first and can release their leases while the link
    /// deletion waits, never handing out an address still configured. Equivalent to
    /// `ip addr del <addr> dev <name>` for each.
    public static func removeAddresses(_ addresses: [IPNetwork], of link: Link, in stack: NetworkStack) throws {
        for network in addresses {
            try InterfaceError.wrapping(link.name, "failed to remove \(network) from \"\(link.name)\"") {
                do {
                    try stack.netlink.deleteAddress(Address(network, index: link.index))
                } catch let error as NetlinkError where error.isNotFound {
                }
            }
        }
    }

    /// Deletes the link `name` (for a veth, both ends) and returns its global-unicast addresses,
    /// which DEL needs to tear down masquerading. Returns nil when there is no such link, or when
    /// it vanishes on the way, which DEL treats as already done. Equivalent to
    /// `ip addr show dev <name>; ip link del <name>`.
    public static func delete(named name: String, in stack: NetworkStack) throws -> [IPNetwork]? {
        guard let (link, addresses) = try lookup(named: name, in: stack) else { return nil }
        return try InterfaceError.wrapping(name, "failed to delete \"\(name)\"") { () throws -> [IPNetwork]? in
            do {
                try stack.netlink.deleteLink(link)
            } catch let error as NetlinkError where error.isNotFound {
                return nil
            }
            return addresses
        }
    }
}
