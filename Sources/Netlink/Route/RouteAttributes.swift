import CNetlinkShim

/// A routing table ID (`rtm_table` / `RTA_TABLE`). Tables above 255 only fit the attribute.
public struct RouteTable: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ id: UInt32) { self.rawValue = id }

    /// The corresponding C constant is `RT_TABLE_UNSPEC`.
    public static let unspecified = RouteTable(u32(RT_TABLE_UNSPEC.rawValue))
    /// The corresponding C constant is `RT_TABLE_DEFAULT`.
    public static let `default` = RouteTable(u32(RT_TABLE_DEFAULT.rawValue))
    /// The table `ip route` shows. The corresponding C constant is `RT_TABLE_MAIN`.
    public static let main = RouteTable(u32(RT_TABLE_MAIN.rawValue))
    /// Local and broadcast addresses. The corresponding C constant is `RT_TABLE_LOCAL`.
    public static let local = RouteTable(u32(RT_TABLE_LOCAL.rawValue))

    public var description: String {
        switch self {
        case .main: return "main"
        case .local: return "local"
        case .default: return "default"
        default: return "\(rawValue)"
        }
    }
}

/// Who installed a route (`rtm_protocol`, `RTPROT_*`), as `ip route` prints after "proto".
public struct RouteProtocol: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The corresponding C constant is `RTPROT_UNSPEC`.
    public static let unspecified = RouteProtocol(rawValue: u8(RTPROT_UNSPEC))
    /// Installed by the kernel (prefix routes). The corresponding C constant is `RTPROT_KERNEL`.
    public static let kernel = RouteProtocol(rawValue: u8(RTPROT_KERNEL))
    /// Installed by `ip route add` and the reference plugins. The corresponding C constant is `RTPROT_BOOT`.
    public static let boot = RouteProtocol(rawValue: u8(RTPROT_BOOT))
    /// The corresponding C constant is `RTPROT_STATIC`.
    public static let `static` = RouteProtocol(rawValue: u8(RTPROT_STATIC))
    /// From IPv6 router advertisements. The corresponding C constant is `RTPROT_RA`.
    public static let routerAdvertisement = RouteProtocol(rawValue: u8(RTPROT_RA))
    /// The corresponding C constant is `RTPROT_DHCP`.
    public static let dhcp = RouteProtocol(rawValue: u8(RTPROT_DHCP))
}

/// A route's type (`rtm_type`, `RTN_*`).
public struct RouteType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The corresponding C constant is `RTN_UNSPEC`.
    public static let unspecified = RouteType(rawValue: u8(RTN_UNSPEC))
    /// A gateway or direct route. The corresponding C constant is `RTN_UNICAST`.
    public static let unicast = RouteType(rawValue: u8(RTN_UNICAST))
    /// Accept locally. The corresponding C constant is `RTN_LOCAL`.
    public static let local = RouteType(rawValue: u8(RTN_LOCAL))
    /// The corresponding C constant is `RTN_BROADCAST`.
    public static let broadcast = RouteType(rawValue: u8(RTN_BROADCAST))
    /// The corresponding C constant is `RTN_MULTICAST`.
    public static let multicast = RouteType(rawValue: u8(RTN_MULTICAST))
    /// Drop silently. The corresponding C constant is `RTN_BLACKHOLE`.
    public static let blackhole = RouteType(rawValue: u8(RTN_BLACKHOLE))
    /// The corresponding C constant is `RTN_UNREACHABLE`.
    public static let unreachable = RouteType(rawValue: u8(RTN_UNREACHABLE))
    /// The corresponding C constant is `RTN_PROHIBIT`.
    public static let prohibit = RouteType(rawValue: u8(RTN_PROHIBIT))
    /// The corresponding C constant is `RTN_THROW`.
    public static let `throw` = RouteType(rawValue: u8(RTN_THROW))
}

/// Route flags (`rtm_flags`): next-hop flags (`RTNH_F_*`) and reply flags (`RTM_F_*`).
public struct RouteFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The next hop is dead. The corresponding C constant is `RTNH_F_DEAD`.
    public static let dead = RouteFlags(rawValue: u32(RTNH_F_DEAD))
    /// Treat the gateway as directly attached even without a matching prefix (`onlink`).
    /// The corresponding C constant is `RTNH_F_ONLINK`.
    public static let onLink = RouteFlags(rawValue: u32(RTNH_F_ONLINK))
    /// The carrier of the output device is down. The corresponding C constant is `RTNH_F_LINKDOWN`.
    public static let linkDown = RouteFlags(rawValue: u32(RTNH_F_LINKDOWN))
    /// A cached clone (route-get replies, IPv6 exceptions). The corresponding C constant is `RTM_F_CLONED`.
    public static let cloned = RouteFlags(rawValue: u32(RTM_F_CLONED))
}
