import CNI
import LinuxNet
import NetAddress
import Netlink
import PluginKit

/// One container address and the gateway ptp routes it through (the host veth carries the
/// gateway as a /32 or /128, so every packet from the container crosses the host's routing).
struct GatewayedAddress: Hashable, Sendable {
    var address: IPNetwork
    var gateway: IPAddress

    /// The IPAM result's addresses, each with its gateway. An IPAM result without addresses, or
    /// an address without a usable gateway, cannot be routed the ptp way: refused here, before
    /// any link exists.
    static func all(of result: CNIResult) throws(PluginError) -> [GatewayedAddress] {
        guard !result.ips.isEmpty else { throw PluginError(.internal, "IPAM plugin returned missing IP config") }
        var out: [GatewayedAddress] = []
        for ip in result.ips {
            guard let gateway = ip.gateway else {
                throw PluginError(
                    .invalidConfig, "IPAM returned \(ip.address) without a gateway; ptp routes every address through one")
            }
            guard gateway.family == ip.family, gateway != ip.address.address else {
                throw PluginError(.invalidConfig, "IPAM returned gateway \(gateway) unusable for \(ip.address)")
            }
            out.append(GatewayedAddress(address: ip.address, gateway: gateway))
        }
        return out
    }

    /// The gateway as a host prefix (`10.1.2.1/32`), as it goes on the host veth.
    var gatewayHost: IPNetwork { IPNetwork(host: gateway) }
    /// The container address as a host prefix, the host's route to it.
    var addressHost: IPNetwork { IPNetwork(host: address.address) }
}

/// The two halves of ptp's wiring, in the reference's order and with its routes.
enum PTPLinks {
    /// IPv6 duplicate address detection off on `interface` (`accept_dad=0`), before the link
    /// gets carrier, so neither its link-local nor its IPAM addresses are ever tentative.
    /// bridge's `enabledad: false` does the same on the container side. Skipped silently where
    /// IPv6 is disabled (the key is missing).
    static func disableDAD(on interface: String, in stack: NetworkStack) throws {
        try stack.sysctls { (sysctls) throws in
            do {
                try sysctls.set("net/ipv6/conf/\(interface)/accept_dad", to: "0")
            } catch let error as SysctlError where error.isNotFound {}
        }
    }

    /// Inside the container: the IPAM result applied (addresses, link up, IPAM routes, as
    /// `ipam.ConfigureIface`), then, per address, the kernel's connected route replaced so that
    /// everything, same-subnet peers included, goes through the gateway:
    ///
    ///     ip route del <subnet> dev <if>
    ///     ip route add <gw>/32 dev <if> scope link src <ip>
    ///     ip route add <subnet> via <gw> dev <if> src <ip>
    ///
    /// (A veth cannot be IFF_POINTOPOINT, so a /32 address plus an on-link gateway route would
    /// leave the gateway outside the interface's subnet; this is the reference's workaround.)
    /// With `noDAD` the addresses are added `nodad`: `accept_dad=0` alone still leaves them
    /// tentative until the kernel's DAD work item runs after the link comes up (a moment, or
    /// longer on a loaded node), and an address must be usable when ADD returns.
    static func configureContainer(
        _ result: CNIResult, addresses: [GatewayedAddress], ifName: String, noDAD: Bool, in container: NetworkStack
    ) throws -> Link {
        var interface = try InterfaceConfiguration(result: result, ifName: ifName)
        if noDAD { interface.addressFlags.insert(.noDAD) }
        let link = try interface.apply(in: container)
        let netlink = container.netlink
        for entry in addresses {
            let subnet = entry.address.network
            let source = entry.address.address
            try step(ifName, "failed to delete route \(subnet) dev \(ifName)") {
                do {
                    try netlink.deleteRoute(Route(destination: subnet, outputInterface: link.index))
                } catch let error as NetlinkError where error.isNotFound {}
            }
            try step(ifName, "failed to add route \(entry.gateway) dev \(ifName) scope link") {
                try addRoute(
                    Route(destination: entry.gatewayHost, outputInterface: link.index, scope: .link, preferredSource: source),
                    netlink)
            }
            try step(ifName, "failed to add route \(subnet) via \(entry.gateway) dev \(ifName)") {
                try addRoute(
                    Route(destination: subnet, gateway: entry.gateway, outputInterface: link.index, preferredSource: source),
                    netlink)
            }
        }
        return link
    }

    /// On the host: the gateway address on the host veth and a host route to the container
    /// address through it, per address (the reference's `setupHostVeth`):
    ///
    ///     ip addr add <gw>/32 dev <hostveth>
    ///     ip route add <ip>/32 dev <hostveth> scope host
    ///
    /// Every host veth of the network carries the same gateway address; that is the design.
    static func configureHost(_ veth: Link, addresses: [GatewayedAddress], in host: NetworkStack) throws {
        let netlink = host.netlink
        for entry in addresses {
            try step(veth.name, "failed to add IP addr \(entry.gatewayHost) to \"\(veth.name)\"") {
                try netlink.addAddress(Address(entry.gatewayHost, index: veth.index))
            }
            try step(veth.name, "failed to add route on host to \(entry.addressHost)") {
                do {
                    try netlink.addRoute(Route(destination: entry.addressHost, outputInterface: veth.index, scope: .host))
                } catch let error as NetlinkError where error.isExists {}
            }
        }
    }

    /// Adds `route`; an identical route already there (an IPAM route that is one of ours) is fine.
    private static func addRoute(_ route: Route, _ netlink: RouteNetlink) throws {
        do {
            try netlink.addRoute(route)
        } catch let error as NetlinkError where error.isExists {
            let present = try netlink.routes(family: route.family, table: route.table, outputInterface: route.outputInterface)
            guard present.contains(where: { $0.identifiesSameRoute(as: route) }) else { throw error }
        }
    }

    /// Runs a netlink step, naming the interface and what failed in the error.
    private static func step(_ interface: String, _ message: @autoclosure () -> String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as InterfaceError {
            throw error
        } catch {
            throw InterfaceError(.systemFailure, interface: interface, message: message(), cause: error)
        }
    }
}
