import NetAddress

/// A network interface as rtnetlink reports it (`RTM_NEWLINK`): what `ip -d link show` prints.
///
/// Interface indexes are per namespace: a link moved or created into another namespace gets a new
/// index there, so always look a link up again through a socket of the namespace it lives in.
public struct Link: Hashable, Sendable {
    /// Interface index (`ifi_index`), unique within its namespace.
    public var index: Int32
    /// Interface name (`IFLA_IFNAME`).
    public var name: String
    /// Link kind (`IFLA_INFO_KIND`); nil for devices without one (`lo`, physical NICs).
    public var kind: LinkKind?
    /// `ifi_flags`: administrative and carrier state, promiscuous mode, ...
    public var flags: InterfaceFlags
    /// Operational state (`IFLA_OPERSTATE`).
    public var operState: OperState
    /// MTU (`IFLA_MTU`).
    public var mtu: UInt32
    /// Hardware address (`IFLA_ADDRESS`), when it is a 6-byte Ethernet address.
    public var mac: MACAddress?
    /// Transmit queue length (`IFLA_TXQLEN`), `qlen` in `ip link show`.
    public var txQueueLength: UInt32?
    /// ARP hardware type (`ifi_type`, `ARPHRD_ETHER` = 1, `ARPHRD_LOOPBACK` = 772).
    public var hardwareType: UInt16
    /// The interface's alias (`IFLA_IFALIAS`, `ip link set <dev> alias <text>`); nil when unset.
    public var alias: String?
    /// Index of the master device, such as the bridge of a bridge port (`IFLA_MASTER`).
    public var masterIndex: Int32?
    /// Index of the peer (veth) or parent (vlan, macvlan) (`IFLA_LINK`). When ``linkNetNSID`` is
    /// set, the index is in that other namespace.
    public var linkIndex: Int32?
    /// ID, in this namespace, of the namespace where ``linkIndex`` lives (`IFLA_LINK_NETNSID`).
    public var linkNetNSID: Int32?
    /// Kind and settings when the kind is one ``LinkType`` models (dummy, vlan id, ipvlan mode,
    /// vrf table), as `ip -d link show` prints them.
    public var linkType: LinkType?
    /// Bridge-device settings when ``kind`` is ``LinkKind/bridge``.
    public var bridge: BridgeInfo?
    /// Bridge-port settings when the link is enslaved to a bridge.
    public var bridgePort: BridgePortInfo?

    public init(
        index: Int32, name: String, kind: LinkKind? = nil, flags: InterfaceFlags = [], operState: OperState = .unknown,
        mtu: UInt32 = 1500, mac: MACAddress? = nil, hardwareType: UInt16 = 1
    ) {
        self.index = index
        self.name = name
        self.kind = kind
        self.flags = flags
        self.operState = operState
        self.mtu = mtu
        self.mac = mac
        self.hardwareType = hardwareType
    }

    /// Receives all multicast frames (`IFF_ALLMULTI`), what `ip link set X allmulticast on` changes.
    public var isAllMulticast: Bool { flags.contains(.allMulticast) }
    /// In promiscuous mode (`IFF_PROMISC`).
    public var isPromiscuous: Bool { flags.contains(.promiscuous) }
    /// Administratively up (`IFF_UP`), what `ip link set X up` changes.
    public var isUp: Bool { flags.contains(.up) }
    /// Operationally up: the kernel reports `IF_OPER_UP` (carrier and peer up for a veth).
    public var isOperationallyUp: Bool { operState == .up }
}
