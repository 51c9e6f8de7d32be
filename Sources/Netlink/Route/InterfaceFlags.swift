import CNetlinkShim

/// A link's `ifi_flags` (`IFF_*`), as `ip link` prints them in angle brackets.
public struct InterfaceFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Administratively up. The corresponding C constant is `IFF_UP`.
    public static let up = InterfaceFlags(rawValue: u32(IFF_UP))
    /// The corresponding C constant is `IFF_BROADCAST`.
    public static let broadcast = InterfaceFlags(rawValue: u32(IFF_BROADCAST))
    /// The corresponding C constant is `IFF_LOOPBACK`.
    public static let loopback = InterfaceFlags(rawValue: u32(IFF_LOOPBACK))
    /// The corresponding C constant is `IFF_POINTOPOINT`.
    public static let pointToPoint = InterfaceFlags(rawValue: u32(IFF_POINTOPOINT))
    /// Operationally running (`RUNNING`). The corresponding C constant is `IFF_RUNNING`.
    public static let running = InterfaceFlags(rawValue: u32(IFF_RUNNING))
    /// The corresponding C constant is `IFF_NOARP`.
    public static let noARP = InterfaceFlags(rawValue: u32(IFF_NOARP))
    /// Receives all packets. The corresponding C constant is `IFF_PROMISC`.
    public static let promiscuous = InterfaceFlags(rawValue: u32(IFF_PROMISC))
    /// The corresponding C constant is `IFF_ALLMULTI`.
    public static let allMulticast = InterfaceFlags(rawValue: u32(IFF_ALLMULTI))
    /// The corresponding C constant is `IFF_MULTICAST`.
    public static let multicast = InterfaceFlags(rawValue: u32(IFF_MULTICAST))
    /// Carrier present (`LOWER_UP`). The corresponding C constant is `IFF_LOWER_UP`.
    public static let lowerUp = InterfaceFlags(rawValue: 0x10000)
    /// The corresponding C constant is `IFF_DORMANT`.
    public static let dormant = InterfaceFlags(rawValue: 0x20000)
}

/// RFC 2863 operational state (`IFLA_OPERSTATE`), as `ip link` prints after "state".
public struct OperState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The corresponding C constant is `IF_OPER_UNKNOWN`.
    public static let unknown = OperState(rawValue: 0)
    /// The corresponding C constant is `IF_OPER_NOTPRESENT`.
    public static let notPresent = OperState(rawValue: 1)
    /// The corresponding C constant is `IF_OPER_DOWN`.
    public static let down = OperState(rawValue: 2)
    /// The corresponding C constant is `IF_OPER_LOWERLAYERDOWN`.
    public static let lowerLayerDown = OperState(rawValue: 3)
    /// The corresponding C constant is `IF_OPER_TESTING`.
    public static let testing = OperState(rawValue: 4)
    /// The corresponding C constant is `IF_OPER_DORMANT`.
    public static let dormant = OperState(rawValue: 5)
    /// The corresponding C constant is `IF_OPER_UP`.
    public static let up = OperState(rawValue: 6)

    /// The name `ip link` prints (`UP`, `DOWN`, `LOWERLAYERDOWN`, ...).
    public var description: String {
        let names = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"]
        return Int(rawValue) < names.count ? names[Int(rawValue)] : "\(rawValue)"
    }
}
