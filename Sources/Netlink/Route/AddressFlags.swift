import CNetlinkShim

/// Address flags (`IFA_F_*`, the `IFA_FLAGS` attribute; the low 8 bits also in `ifa_flags`).
public struct AddressFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The corresponding C constant is `IFA_F_SECONDARY`.
    public static let secondary = AddressFlags(rawValue: u32(IFA_F_SECONDARY))
    /// Skip duplicate address detection (`ip addr add ... nodad`). The corresponding C constant is `IFA_F_NODAD`.
    public static let noDAD = AddressFlags(rawValue: u32(IFA_F_NODAD))
    /// The corresponding C constant is `IFA_F_OPTIMISTIC`.
    public static let optimistic = AddressFlags(rawValue: u32(IFA_F_OPTIMISTIC))
    /// Duplicate address detection found the address in use. The corresponding C constant is `IFA_F_DADFAILED`.
    public static let dadFailed = AddressFlags(rawValue: u32(IFA_F_DADFAILED))
    /// The corresponding C constant is `IFA_F_HOMEADDRESS`.
    public static let homeAddress = AddressFlags(rawValue: u32(IFA_F_HOMEADDRESS))
    /// The corresponding C constant is `IFA_F_DEPRECATED`.
    public static let deprecated = AddressFlags(rawValue: u32(IFA_F_DEPRECATED))
    /// Duplicate address detection is still running. The corresponding C constant is `IFA_F_TENTATIVE`.
    public static let tentative = AddressFlags(rawValue: u32(IFA_F_TENTATIVE))
    /// Configured, not autoconfigured. The corresponding C constant is `IFA_F_PERMANENT`.
    public static let permanent = AddressFlags(rawValue: u32(IFA_F_PERMANENT))
    /// The corresponding C constant is `IFA_F_MANAGETEMPADDR`.
    public static let manageTempAddress = AddressFlags(rawValue: u32(IFA_F_MANAGETEMPADDR))
    /// Don't add the prefix route (`noprefixroute`). The corresponding C constant is `IFA_F_NOPREFIXROUTE`.
    public static let noPrefixRoute = AddressFlags(rawValue: u32(IFA_F_NOPREFIXROUTE))
    /// The corresponding C constant is `IFA_F_MCAUTOJOIN`.
    public static let multicastAutoJoin = AddressFlags(rawValue: u32(IFA_F_MCAUTOJOIN))
    /// The corresponding C constant is `IFA_F_STABLE_PRIVACY`.
    public static let stablePrivacy = AddressFlags(rawValue: u32(IFA_F_STABLE_PRIVACY))
}

/// Scope of an address or route (`rtm_scope`, `ifa_scope`: `RT_SCOPE_*`).
public struct RouteScope: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Global (`scope global`). The corresponding C constant is `RT_SCOPE_UNIVERSE`.
    public static let universe = RouteScope(rawValue: u8(RT_SCOPE_UNIVERSE))
    /// The corresponding C constant is `RT_SCOPE_SITE`.
    public static let site = RouteScope(rawValue: u8(RT_SCOPE_SITE))
    /// On-link, no gateway (`scope link`). The corresponding C constant is `RT_SCOPE_LINK`.
    public static let link = RouteScope(rawValue: u8(RT_SCOPE_LINK))
    /// Local to this host (`scope host`). The corresponding C constant is `RT_SCOPE_HOST`.
    public static let host = RouteScope(rawValue: u8(RT_SCOPE_HOST))
    /// Matches any scope when deleting. The corresponding C constant is `RT_SCOPE_NOWHERE`.
    public static let nowhere = RouteScope(rawValue: u8(RT_SCOPE_NOWHERE))

    /// The name `ip` prints (`global`, `link`, `host`, ...).
    public var description: String {
        switch self {
        case .universe: return "global"
        case .site: return "site"
        case .link: return "link"
        case .host: return "host"
        case .nowhere: return "nowhere"
        default: return "\(rawValue)"
        }
    }
}
