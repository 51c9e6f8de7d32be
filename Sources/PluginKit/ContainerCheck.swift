import CNI
import LinuxNet
import NetAddress
import Netlink

/// CHECK of what an interface plugin put in the container, against `prevResult` (the reference's
/// `ValidateExpectedInterfaceIPs` / `ValidateExpectedRoute`): tolerant of additions by later
/// plugins, strict about anything of ours that is missing or changed.
public enum ContainerCheck {
    /// The container interface `ifName` as the result lists it: present in `stack`, a veth when
    /// `kind` says so, with the result's MAC. Returns the live link.
    @discardableResult
    public static func interface(
        _ ifName: String, of result: CNIResult, sandbox: String, in stack: NetworkStack, kind: LinkKind? = .veth
    ) throws -> Link {
        guard let expected = result.interface(named: ifName, sandbox: sandbox) else {
            throw PluginError(.checkFailed, "interface \(ifName) in \(sandbox) not found in prevResult")
        }
        guard let link = try stack.netlink.link(named: ifName) else {
            throw PluginError(.checkFailed, "interface \"\(ifName)\" not found in \(sandbox)")
        }
        if let kind, link.kind != kind {
            throw PluginError(.checkFailed, "interface \"\(ifName)\" is a \(link.kind.map { "\($0)" } ?? "device"), not a \(kind)")
        }
        if let mac = expected.interface.macAddress, link.mac != mac {
            throw PluginError(
                .checkFailed, "interface \"\(ifName)\" MAC \(link.mac.map { "\($0)" } ?? "none") does not match \(mac) in prevResult")
        }
        return link
    }

    /// Every result IP of interface `index` is on `link`, and a route to its subnet exists.
    public static func addresses(of result: CNIResult, interface index: Int, on link: Link, in stack: NetworkStack) throws {
        let present = try stack.netlink.addresses(index: link.index)
        for ip in result.ips where ip.interface == index {
            guard present.contains(where: { $0.network == ip.address }) else {
                throw PluginError(.checkFailed, "address \(ip.address) not found on \"\(link.name)\"")
            }
            let routes = try stack.netlink.routes(family: ip.family, outputInterface: link.index)
            let subnet = ip.address.network
            guard routes.contains(where: { $0.destination.network == subnet || $0.destination.contains(ip.address.address) }) else {
                throw PluginError(.checkFailed, "no route to \(subnet) via \"\(link.name)\"")
            }
        }
    }

    /// Every result route exists in the container (any table), with the result's gateway if it has one.
    public static func routes(of result: CNIResult, in stack: NetworkStack) throws {
        for route in result.routes {
            let candidates = try stack.netlink.routes(family: route.dst.family, table: nil)
            let found = candidates.contains { live in
                live.destination.network == route.dst.network && (route.gw == nil || live.gateway == route.gw)
            }
            guard found else {
                throw PluginError(.checkFailed, "route \(route.dst)\(route.gw.map { " via \($0)" } ?? "") not found in the container")
            }
        }
    }
}
