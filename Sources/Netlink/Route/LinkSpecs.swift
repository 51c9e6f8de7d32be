import NetAddress

/// A veth pair to create in one request (`ip link add <name> [mtu M] [address A] type veth peer
/// name <peerName> netns <fd> [mtu M]`).
///
/// The request goes to the socket of the namespace where `name` should live; the peer is created
/// directly in the namespace `peerNamespaceFD` refers to, so no later move is needed (a move costs
/// about 15 ms and changes the interface index).
public struct VethSpec: Hashable, Sendable {
    /// Name of the end created in the socket's namespace.
    public var name: String
    /// Name of the other end.
    public var peerName: String
    /// Open descriptor of the namespace for the peer (`IFLA_NET_NS_FD`); nil keeps it in the
    /// socket's namespace.
    public var peerNamespaceFD: Int32?
    /// MTU of both ends; nil for the kernel default.
    public var mtu: UInt32?
    /// MAC address of the `name` end; nil lets the kernel pick a random one.
    public var mac: MACAddress?
    /// MAC address of the peer end; nil lets the kernel pick a random one.
    public var peerMAC: MACAddress?
    /// Transmit queue length of both ends (`txqueuelen`); nil for the kernel default (1000).
    public var txQueueLength: UInt32?

    public init(
        name: String, peerName: String, peerNamespaceFD: Int32? = nil, mtu: UInt32? = nil, mac: MACAddress? = nil,
        peerMAC: MACAddress? = nil, txQueueLength: UInt32? = nil
    ) {
        self.name = name
        self.peerName = peerName
        self.peerNamespaceFD = peerNamespaceFD
        self.mtu = mtu
        self.mac = mac
        self.peerMAC = peerMAC
        self.txQueueLength = txQueueLength
    }
}

/// A bridge to create (`ip link add <name> [mtu M] type bridge [vlan_filtering 1]`).
public struct BridgeSpec: Hashable, Sendable {
    /// Bridge name.
    public var name: String
    /// MTU; nil for the kernel default.
    public var mtu: UInt32?
    /// Turn VLAN filtering on. Off (the kernel default) sends nothing, because kernels built
    /// without `CONFIG_BRIDGE_VLAN_FILTERING` refuse the attribute even with 0.
    public var vlanFiltering: Bool
    /// MAC address; nil lets the kernel choose.
    public var mac: MACAddress?

    public init(name: String, mtu: UInt32? = nil, vlanFiltering: Bool = false, mac: MACAddress? = nil) {
        self.name = name
        self.mtu = mtu
        self.vlanFiltering = vlanFiltering
        self.mac = mac
    }
}

/// A link of a kind without a peer (``LinkType``: dummy, vlan, ipvlan, vrf) to create in one request
/// (`ip link add [link <parent>] name <name> [mtu M] [address A] [netns <fd>] type <kind> ...`).
///
/// The request goes to the socket of the namespace where `parentIndex` is valid; with
/// `namespaceFD` the link is created directly in that other namespace (a vlan or ipvlan on the
/// node's uplink, born inside the container).
public struct LinkSpec: Hashable, Sendable {
    /// Name of the new link.
    public var name: String
    /// Kind and its settings.
    public var type: LinkType
    /// Index of the parent link (`IFLA_LINK`) in the socket's namespace; vlan and ipvlan need one.
    public var parentIndex: Int32?
    /// Open descriptor of the namespace to create the link in (`IFLA_NET_NS_FD`); nil keeps it in
    /// the socket's namespace.
    public var namespaceFD: Int32?
    /// MTU; nil for the kernel default (the parent's, for vlan and ipvlan).
    public var mtu: UInt32?
    /// MAC address; nil lets the kernel choose (ipvlan always takes the parent's).
    public var mac: MACAddress?
    /// Transmit queue length (`txqueuelen`); nil for the kind's default.
    public var txQueueLength: UInt32?
    /// Created administratively up (`ip link add ... up`), saving a second request.
    public var up: Bool

    public init(
        name: String, type: LinkType, parentIndex: Int32? = nil, namespaceFD: Int32? = nil, mtu: UInt32? = nil,
        mac: MACAddress? = nil, txQueueLength: UInt32? = nil, up: Bool = false
    ) {
        self.name = name
        self.type = type
        self.parentIndex = parentIndex
        self.namespaceFD = namespaceFD
        self.mtu = mtu
        self.mac = mac
        self.txQueueLength = txQueueLength
        self.up = up
    }
}

/// Changes applied to an existing link in one `RTM_SETLINK` (`ip link set <dev> ...`).
/// nil fields are left as they are.
public struct LinkChanges: Hashable, Sendable {
    /// `up` / `down`.
    public var up: Bool?
    /// `mtu <n>`.
    public var mtu: UInt32?
    /// `address <mac>`.
    public var mac: MACAddress?
    /// `master <index>`, or `nomaster` with 0.
    public var masterIndex: Int32?
    /// `promisc on|off`.
    public var promiscuous: Bool?
    /// `allmulticast on|off`.
    public var allMulticast: Bool?
    /// `txqueuelen <n>`.
    public var txQueueLength: UInt32?
    /// `name <name>` (the kernel renames only links that are down).
    public var name: String?
    /// `alias <text>`; "" removes the alias.
    public var alias: String?
    /// `netns <fd>`: moves the link into the namespace the descriptor refers to (applied after
    /// the other changes, which the kernel makes in the link's current namespace).
    public var namespaceFD: Int32?

    public init(
        up: Bool? = nil, mtu: UInt32? = nil, mac: MACAddress? = nil, masterIndex: Int32? = nil, promiscuous: Bool? = nil,
        allMulticast: Bool? = nil, txQueueLength: UInt32? = nil, name: String? = nil, alias: String? = nil,
        namespaceFD: Int32? = nil
    ) {
        self.up = up
        self.mtu = mtu
        self.mac = mac
        self.masterIndex = masterIndex
        self.promiscuous = promiscuous
        self.allMulticast = allMulticast
        self.txQueueLength = txQueueLength
        self.name = name
        self.alias = alias
        self.namespaceFD = namespaceFD
    }

    /// The words `ip link set` would take, for error messages ("up mtu 1400"). Every request
    /// carries it, so it is appended word by word: an array joined with separators costs ~100K
    /// instructions of generic metadata set-up at its first use, in every plugin's start.
    var summary: String {
        var words = ""
        func add(_ word: String) { words += words.isEmpty ? word : " " + word }
        if let up { add(up ? "up" : "down") }
        if let mtu { add("mtu \(mtu)") }
        if let mac { add("address \(mac)") }
        if let masterIndex { add(masterIndex == 0 ? "nomaster" : "master #\(masterIndex)") }
        if let promiscuous { add("promisc \(promiscuous ? "on" : "off")") }
        if let allMulticast { add("allmulticast \(allMulticast ? "on" : "off")") }
        if let txQueueLength { add("txqueuelen \(txQueueLength)") }
        if let name { add("name \(name)") }
        if let alias { add(alias.isEmpty ? "alias \"\"" : "alias \(alias)") }
        if let namespaceFD { add("netns fd \(namespaceFD)") }
        return words
    }
}
