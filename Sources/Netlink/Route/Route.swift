import NetAddress

/// A route (`RTM_NEWROUTE`), as `ip route show table all` lists it; also the input of
/// `RouteNetlink.addRoute(_:)`, `replaceRoute(_:)` and `deleteRoute(_:)`.
///
/// Defaults match `ip route add` and the reference plugins: table main, protocol boot, scope
/// universe, type unicast.
public struct Route: Hashable, Sendable {
    /// Destination prefix (`RTA_DST` and `rtm_dst_len`); `0.0.0.0/0` or `::/0` for a default route.
    public var destination: IPNetwork
    /// Next-hop gateway (`RTA_GATEWAY`), `via`.
    public var gateway: IPAddress?
    /// Output interface index (`RTA_OIF`), `dev`.
    public var outputInterface: Int32?
    /// Table (`rtm_table` / `RTA_TABLE`).
    public var table: RouteTable
    /// Metric (`RTA_PRIORITY`), `metric`.
    public var priority: UInt32?
    /// Scope (`rtm_scope`).
    public var scope: RouteScope
    /// Origin (`rtm_protocol`).
    public var `protocol`: RouteProtocol
    /// Type (`rtm_type`).
    public var type: RouteType
    /// Preferred source address (`RTA_PREFSRC`), `src`.
    public var preferredSource: IPAddress?
    /// Flags (`rtm_flags`), such as ``RouteFlags/onLink``.
    public var flags: RouteFlags
    /// Path MTU (`RTA_METRICS`/`RTAX_MTU`), `mtu`.
    public var mtu: UInt32?
    /// Advertised TCP MSS (`RTA_METRICS`/`RTAX_ADVMSS`), `advmss`.
    public var advmss: UInt32?
    /// Type of service (`rtm_tos`), `tos`.
    public var tos: UInt8

    public init(
        destination: IPNetwork, gateway: IPAddress? = nil, outputInterface: Int32? = nil, table: RouteTable = .main,
        priority: UInt32? = nil, scope: RouteScope = .universe, protocol: RouteProtocol = .boot,
        type: RouteType = .unicast, preferredSource: IPAddress? = nil, flags: RouteFlags = [], mtu: UInt32? = nil,
        advmss: UInt32? = nil, tos: UInt8 = 0
    ) {
        self.destination = destination
        self.gateway = gateway
        self.outputInterface = outputInterface
        self.table = table
        self.priority = priority
        self.scope = scope
        self.protocol = `protocol`
        self.type = type
        self.preferredSource = preferredSource
        self.flags = flags
        self.mtu = mtu
        self.advmss = advmss
        self.tos = tos
    }

    /// IPv4 or IPv6.
    public var family: IPFamily { destination.family }
    /// True for `0.0.0.0/0` and `::/0`.
    public var isDefault: Bool { destination.prefixLength == 0 }

    /// True when `other` names the same kernel route: destination, table, metric, TOS, and (when
    /// both set) gateway and output interface. This is what makes `ip route add` fail with EEXIST.
    public func identifiesSameRoute(as other: Route) -> Bool {
        destination.network == other.destination.network && table == other.table
            && (priority ?? 0) == (other.priority ?? 0) && tos == other.tos
            && gateway == other.gateway
            && (outputInterface == nil || other.outputInterface == nil || outputInterface == other.outputInterface)
    }
}

/// Input of `RouteNetlink.route(to:)`: what `ip route get <destination> [from <source>] [oif <index>]` asks.
public struct RouteQuery: Hashable, Sendable {
    /// The address to route to.
    public var destination: IPAddress
    /// Pretend the packet comes from this address (`from`).
    public var source: IPAddress?
    /// Force this output interface (`oif`).
    public var outputInterface: Int32?

    public init(destination: IPAddress, source: IPAddress? = nil, outputInterface: Int32? = nil) {
        self.destination = destination
        self.source = source
        self.outputInterface = outputInterface
    }
}
