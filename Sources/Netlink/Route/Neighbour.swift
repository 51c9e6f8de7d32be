import CNetlinkShim
import NetAddress

/// A neighbour (ARP or NDP) entry (`RTM_NEWNEIGH`), as `ip neigh show` lists it; also the input
/// of `RouteNetlink.replaceNeighbour(_:)`.
public struct Neighbour: Hashable, Sendable {
    /// The neighbour's IP address (`NDA_DST`).
    public var address: IPAddress
    /// Its link-layer address (`NDA_LLADDR`); nil while unresolved.
    public var mac: MACAddress?
    /// Interface index (`ndm_ifindex`).
    public var index: Int32
    /// NUD state (`ndm_state`).
    public var state: NeighbourState
    /// `ndm_flags` (`NTF_*`), kept raw.
    public var flags: UInt8

    public init(address: IPAddress, mac: MACAddress? = nil, index: Int32, state: NeighbourState = .permanent, flags: UInt8 = 0) {
        self.address = address
        self.mac = mac
        self.index = index
        self.state = state
        self.flags = flags
    }

    /// IPv4 (ARP) or IPv6 (NDP).
    public var family: IPFamily { address.family }
}

/// Neighbour Unreachability Detection state (`NUD_*`).
public struct NeighbourState: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The corresponding C constant is `NUD_INCOMPLETE`.
    public static let incomplete = NeighbourState(rawValue: ty(NUD_INCOMPLETE))
    /// The corresponding C constant is `NUD_REACHABLE`.
    public static let reachable = NeighbourState(rawValue: ty(NUD_REACHABLE))
    /// The corresponding C constant is `NUD_STALE`.
    public static let stale = NeighbourState(rawValue: ty(NUD_STALE))
    /// The corresponding C constant is `NUD_DELAY`.
    public static let delay = NeighbourState(rawValue: ty(NUD_DELAY))
    /// The corresponding C constant is `NUD_PROBE`.
    public static let probe = NeighbourState(rawValue: ty(NUD_PROBE))
    /// The corresponding C constant is `NUD_FAILED`.
    public static let failed = NeighbourState(rawValue: ty(NUD_FAILED))
    /// The corresponding C constant is `NUD_NOARP`.
    public static let noARP = NeighbourState(rawValue: ty(NUD_NOARP))
    /// A static entry (`nud permanent`). The corresponding C constant is `NUD_PERMANENT`.
    public static let permanent = NeighbourState(rawValue: ty(NUD_PERMANENT))
}
