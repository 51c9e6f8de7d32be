import NetAddress

extension RouteNetlink {
    /// The link named `name`, or nil. Equivalent to `ip link show dev <name>`.
    public func link(named name: String) throws -> Link? {
        try get(.getLink(name: name), Link.init(message:))
    }

    /// The link with interface index `index`, or nil. Equivalent to `ip link show` filtered by index.
    public func link(index: Int32) throws -> Link? {
        try get(.getLink(index: index), Link.init(message:))
    }

    /// Every link in the namespace. Equivalent to `ip -d link show`.
    public func links() throws -> [Link] {
        try dump(.dumpLinks(), Link.init(message:))
    }

    /// Creates a veth pair in one request, the peer placed directly in `spec.peerNamespaceFD`.
    /// Equivalent to `ip link add <name> type veth peer name <peer> netns <ns>`.
    public func addVeth(_ spec: VethSpec) throws {
        try execute(.newVeth(spec))
    }

    /// Creates a bridge. Equivalent to `ip link add <name> type bridge [vlan_filtering 1]`.
    public func addBridge(_ spec: BridgeSpec) throws {
        try execute(.newBridge(spec))
    }

    /// Creates a dummy, macvlan, vlan, ipvlan, vrf or ifb link, possibly straight into another
    /// namespace. Equivalent to `ip link add [link <parent>] name <name> [netns <ns>] [up] type <kind> ...`.
    public func addLink(_ spec: LinkSpec) throws {
        try execute(.newLink(spec))
    }

    /// Applies several changes in one request. Equivalent to `ip link set <dev> [up|down] [mtu M] ...`.
    public func setLink(_ link: Link, _ changes: LinkChanges) throws {
        try execute(.setLink(index: link.index, name: link.name, changes))
    }

    /// Brings a link up. Equivalent to `ip link set <dev> up`.
    public func setUp(_ link: Link) throws {
        try setLink(link, LinkChanges(up: true))
    }

    /// Brings a link down. Equivalent to `ip link set <dev> down`.
    public func setDown(_ link: Link) throws {
        try setLink(link, LinkChanges(up: false))
    }

    /// Sets the MTU. Equivalent to `ip link set <dev> mtu <mtu>`.
    public func setMTU(_ link: Link, _ mtu: UInt32) throws {
        try setLink(link, LinkChanges(mtu: mtu))
    }

    /// Sets the hardware address. Equivalent to `ip link set <dev> address <mac>`.
    public func setMAC(_ link: Link, _ mac: MACAddress) throws {
        try setLink(link, LinkChanges(mac: mac))
    }

    /// Enslaves `link` to `master` (a bridge), or frees it with nil.
    /// Equivalent to `ip link set <dev> master <bridge>` / `ip link set <dev> nomaster`.
    public func setMaster(_ link: Link, _ master: Link?) throws {
        try setLink(link, LinkChanges(masterIndex: master?.index ?? 0))
    }

    /// Turns promiscuous mode on or off. Equivalent to `ip link set <dev> promisc on|off`.
    public func setPromiscuous(_ link: Link, _ on: Bool) throws {
        try setLink(link, LinkChanges(promiscuous: on))
    }

    /// Turns all-multicast mode on or off. Equivalent to `ip link set <dev> allmulticast on|off`.
    public func setAllMulticast(_ link: Link, _ on: Bool) throws {
        try setLink(link, LinkChanges(allMulticast: on))
    }

    /// Sets the transmit queue length. Equivalent to `ip link set <dev> txqueuelen <n>`.
    public func setTxQueueLength(_ link: Link, _ length: UInt32) throws {
        try setLink(link, LinkChanges(txQueueLength: length))
    }

    /// Renames a link (which must be down). Equivalent to `ip link set <dev> name <name>`.
    public func rename(_ link: Link, to name: String) throws {
        try setLink(link, LinkChanges(name: name))
    }

    /// Sets the alias, or removes it with "". Equivalent to `ip link set <dev> alias <text>`.
    public func setAlias(_ link: Link, _ alias: String) throws {
        try setLink(link, LinkChanges(alias: alias))
    }

    /// Moves a link into the namespace `namespaceFD` refers to; it arrives down, with a new
    /// index there and without its addresses. Equivalent to `ip link set <dev> netns <ns>`.
    public func moveLink(_ link: Link, toNamespace namespaceFD: Int32) throws {
        try setLink(link, LinkChanges(namespaceFD: namespaceFD))
    }

    /// Deletes a link (for a veth, both ends). Equivalent to `ip link del <dev>`.
    public func deleteLink(_ link: Link) throws {
        try execute(.deleteLink(index: link.index, name: link.name))
    }

    /// Sets bridge-port flags on a bridge port. Equivalent to
    /// `bridge link set dev <port> [hairpin on|off] [isolated on|off] [learning on|off]`.
    public func setBridgePort(_ port: Link, _ flags: BridgePortFlags) throws {
        try execute(.setBridgePort(index: port.index, name: port.name, flags))
    }
}
