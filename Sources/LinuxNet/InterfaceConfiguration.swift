import NetAddress
import Netlink

/// Addresses and routes to put on one interface: an IPAM result applied inside the container,
/// as the reference's `ipam.ConfigureIface`.
public struct InterfaceConfiguration: Hashable, Sendable {
    /// One address and the gateway IPAM returned with it.
    public struct AddressEntry: Hashable, Sendable {
        /// Address with prefix length (`10.1.2.3/24`).
        public var address: IPNetwork
        /// The gateway for this address's subnet, if any.
        public var gateway: IPAddress?

        public init(address: IPNetwork, gateway: IPAddress? = nil) {
            self.address = address
            self.gateway = gateway
        }
    }

    /// One route of the result (CNI spec 1.1 route fields).
    public struct RouteEntry: Hashable, Sendable {
        /// Destination prefix.
        public var destination: IPNetwork
        /// Next hop; nil uses the first gateway of the same family among ``addresses``.
        public var gateway: IPAddress?
        /// Metric (`priority`).
        public var metric: UInt32?
        /// Routing table; nil for main.
        public var table: UInt32?
        /// Scope; nil for universe.
        public var scope: RouteScope?
        /// Path MTU.
        public var mtu: UInt32?
        /// Advertised TCP MSS.
        public var advmss: UInt32?

        public init(
            destination: IPNetwork, gateway: IPAddress? = nil, metric: UInt32? = nil, table: UInt32? = nil,
            scope: RouteScope? = nil, mtu: UInt32? = nil, advmss: UInt32? = nil
        ) {
            self.destination = destination
            self.gateway = gateway
            self.metric = metric
            self.table = table
            self.scope = scope
            self.mtu = mtu
            self.advmss = advmss
        }
    }

    /// The interface to configure (CNI_IFNAME).
    public var interfaceName: String
    /// Addresses, in result order.
    public var addresses: [AddressEntry]
    /// Routes, in result order.
    public var routes: [RouteEntry]
    /// Flags for every address added (for example ``AddressFlags/noDAD``); none by default, as
    /// the reference.
    public var addressFlags: AddressFlags
    /// How long to wait for IPv6 duplicate address detection (the reference waits 5 s).
    public var settleTimeout: Duration
    /// How often to check during that wait (the reference checks every 50 ms).
    public var settleInterval: Duration

    public init(
        interfaceName: String, addresses: [AddressEntry], routes: [RouteEntry] = [], addressFlags: AddressFlags = [],
        settleTimeout: Duration = .seconds(5), settleInterval: Duration = .milliseconds(50)
    ) {
        self.interfaceName = interfaceName
        self.addresses = addresses
        self.routes = routes
        self.addressFlags = addressFlags
        self.settleTimeout = settleTimeout
        self.settleInterval = settleInterval
    }

    /// The first gateway of `family` among ``addresses``, which routes without a gateway use.
    public func defaultGateway(for family: IPFamily) -> IPAddress? {
        addresses.first { $0.address.family == family && $0.gateway?.family == family }?.gateway
    }
}
