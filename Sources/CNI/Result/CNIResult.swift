import NetAddress

/// The result of an ADD, in one model: the 1.1.0 shape. Decoded from any version's JSON
/// (``init(json:version:)``) and encoded to any version (``json(version:)``), with exactly the
/// conversions libcni's convert registry performs between them.
///
/// ```swift
/// var result = CNIResult()
/// result.interfaces.append(.init(name: "eth0", mac: "0a:58:…", sandbox: context.netns))
/// result.ips.append(.init(interface: 0, address: IPNetwork("10.1.2.3/24")!, gateway: IPAddress("10.1.2.1")))
/// return result   // PluginMain prints it in the config's cniVersion
/// ```
public struct CNIResult: Sendable, Hashable {
    /// The version this result was decoded from (or is meant as). It matters for one libcni rule:
    /// a result that came from 0.1.0/0.2.0 prints in 0.1.0/0.2.0 even without addresses.
    public var cniVersion: String
    /// Interfaces created or changed, host-side ones included.
    public var interfaces: [Interface]
    /// Addresses assigned.
    public var ips: [IPConfig]
    /// Routes added.
    public var routes: [Route]
    /// DNS settings for the container.
    public var dns: DNS

    public init(
        cniVersion: String = CNIVersion.current.description, interfaces: [Interface] = [], ips: [IPConfig] = [],
        routes: [Route] = [], dns: DNS = DNS()
    ) {
        self.cniVersion = cniVersion
        self.interfaces = interfaces
        self.ips = ips
        self.routes = routes
        self.dns = dns
    }

    /// An interface (`interfaces[]`).
    public struct Interface: Sendable, Hashable {
        /// The interface name (in its namespace).
        public var name: String
        /// Hardware address as text. A string rather than a ``MACAddress`` because other plugins'
        /// results may carry longer addresses (InfiniBand) that must pass through unchanged.
        public var mac: String?
        /// MTU (1.0.0+ results; 0.x drops it).
        public var mtu: Int?
        /// The netns path for a container-side interface; nil for the host side.
        public var sandbox: String?
        /// vhost-user or similar socket path (1.0.0+).
        public var socketPath: String?
        /// PCI address of a device (1.0.0+).
        public var pciID: String?

        public init(
            name: String, mac: String? = nil, mtu: Int? = nil, sandbox: String? = nil, socketPath: String? = nil,
            pciID: String? = nil
        ) {
            self.name = name
            self.mac = mac
            self.mtu = mtu
            self.sandbox = sandbox
            self.socketPath = socketPath
            self.pciID = pciID
        }

        /// `mac` parsed as an Ethernet address, when it is one.
        public var macAddress: MACAddress? { mac.flatMap(MACAddress.init) }
    }

    /// An address (`ips[]`).
    public struct IPConfig: Sendable, Hashable {
        /// Index into ``CNIResult/interfaces``; nil when the IPAM plugin does not know the
        /// interface (delegated IPAM results).
        public var interface: Int?
        /// The address with its prefix length (`10.1.2.3/24`, host bits set).
        public var address: IPNetwork
        /// The default gateway for this subnet, if any.
        public var gateway: IPAddress?

        public init(interface: Int? = nil, address: IPNetwork, gateway: IPAddress? = nil) {
            self.interface = interface
            self.address = address
            self.gateway = gateway
        }

        /// The address family, which 0.3.x/0.4.0 results print as `"version"`.
        public var family: IPFamily { address.family }
    }

    /// A route (`routes[]`). Fields after `gw` are 1.1.0 additions.
    public struct Route: Sendable, Hashable {
        /// Destination (host bits kept as given).
        public var dst: IPNetwork
        /// Next hop; nil means the runtime's default (the interface's gateway).
        public var gw: IPAddress?
        public var mtu: Int?
        public var advmss: Int?
        /// Route metric.
        public var priority: Int?
        /// Routing table ID (printed even when 0).
        public var table: Int?
        /// Route scope: 0 universe, 253 link, 254 host (printed even when 0).
        public var scope: Int?

        public init(
            dst: IPNetwork, gw: IPAddress? = nil, mtu: Int? = nil, advmss: Int? = nil, priority: Int? = nil,
            table: Int? = nil, scope: Int? = nil
        ) {
            self.dst = dst
            self.gw = gw
            self.mtu = mtu
            self.advmss = advmss
            self.priority = priority
            self.table = table
            self.scope = scope
        }
    }
}
