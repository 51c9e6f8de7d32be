/// The link type named in `IFLA_INFO_KIND` (what `ip link add ... type <kind>` takes).
/// Only the kinds this project creates get a case; every other kind is kept by name.
public enum LinkKind: Hashable, Sendable, CustomStringConvertible {
    /// A virtual Ethernet pair end (`veth`).
    case veth
    /// A software bridge (`bridge`).
    case bridge
    /// Any other kind (`dummy`, `vlan`, `macvlan`, `ifb`, ...), kept raw.
    case other(String)

    /// The kind as the kernel names it.
    public init(name: String) {
        switch name {
        case "veth": self = .veth
        case "bridge": self = .bridge
        default: self = .other(name)
        }
    }

    /// The kernel's name for the kind.
    public var name: String {
        switch self {
        case .veth: return "veth"
        case .bridge: return "bridge"
        case .other(let name): return name
        }
    }

    public var description: String { name }
}
