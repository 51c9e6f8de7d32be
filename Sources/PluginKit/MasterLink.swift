import CNI
import LinuxNet
import NetAddress
import Netlink

/// The parent ("master") link of a macvlan, ipvlan or vlan interface: found by name in the host's
/// namespace, or in the container's with `linkInContainer`; by default the interface of the first
/// default route there (IPv4, then IPv6, main table), as the reference plugins pick it.
public struct MasterLink {
    /// The link.
    public var link: Link
    /// The stack it lives in (where the creation request goes).
    public var stack: NetworkStack

    /// Looks up `name` (nil or "": the default route's interface) in the container's stack when
    /// `inContainer`, else in `host`. A missing link is code 999 with the reference's words.
    public static func find(_ name: String?, inContainer: Bool, host: NetworkStack, container: () throws -> NetworkStack) throws -> MasterLink {
        let stack = inContainer ? try container() : host
        let wanted = try name.flatMap { $0.isEmpty ? nil : $0 } ?? defaultRouteInterface(in: stack)
        guard let link = try stack.netlink.link(named: wanted) else {
            throw PluginError(.internal, "failed to lookup master \"\(wanted)\": Link not found")
        }
        return MasterLink(link: link, stack: stack)
    }

    /// The name of the interface of the first default route (`ip route show default`).
    public static func defaultRouteInterface(in stack: NetworkStack) throws -> String {
        for family in [IPFamily.v4, .v6] {
            for route in try stack.netlink.routes(family: family, table: .main) where route.isDefault {
                guard let index = route.outputInterface, let link = try stack.netlink.link(index: index) else { continue }
                return link.name
            }
        }
        throw PluginError(.internal, "no default route interface found")
    }

    /// The MTU rule of macvlan and vlan: 0 (absent: the kernel's choice, the master's) up to the
    /// master's MTU; anything else is refused (code 7) before any link exists.
    public func checkMTU(_ mtu: Int) throws(PluginError) -> UInt32? {
        guard mtu >= 0, mtu <= Int(link.mtu) else {
            throw PluginError(.invalidConfig, "invalid MTU \(mtu), must be [0, master MTU(\(link.mtu))]")
        }
        return mtu == 0 ? nil : UInt32(mtu)
    }
}
