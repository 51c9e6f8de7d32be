import CNI
import LinuxNet
import NetAddress
import Netlink
import PluginKit

/// CHECK: what ADD made, as `prevResult` describes it, is still in place. Tolerant of what later
/// plugins added; strict about anything of ours that is missing or changed:
///
/// - IPAM's CHECK;
/// - in the container: the veth with its MAC, every address, ptp's two routes per address, the
///   result's routes (as the reference);
/// - on the host (the reference does not look): the host veth is the container veth's peer and
///   carries the gateway address and the route to each container address;
/// - the masquerade rules, when `ipMasq` is set.
struct PTPCheck {
    var plugin: PTPPlugin
    var context: PluginContext

    func run() throws {
        let config = try PTPConfig(context.config)
        try config.requireIPAM()
        let previous = try context.config.requirePrevResult()
        let container = try plugin.resources.container(context)
        try context.ipam.execCheck()

        guard let (index, _) = previous.interface(named: context.ifName, sandbox: context.netns) else {
            throw PluginError(
                .checkFailed, "interface \(context.ifName) with sandbox \(context.netns) not found in prevResult")
        }
        let link = try ContainerCheck.interface(context.ifName, of: previous, sandbox: context.netns, in: container)
        try ContainerCheck.addresses(of: previous, interface: index, on: link, in: container)
        try ContainerCheck.routes(of: previous, in: container)
        let addresses = try previous.ips.filter { $0.interface == index }.map { ip throws(PluginError) in
            guard let gateway = ip.gateway else {
                throw PluginError(.checkFailed, "address \(ip.address) has no gateway in prevResult")
            }
            return GatewayedAddress(address: ip.address, gateway: gateway)
        }
        try containerRoutes(addresses, link: link, in: container)
        try hostSide(previous, addresses: addresses, peer: link)
        if config.ipMasq {
            try PTPMasquerade(masquerade: plugin.masquerade, config: config, context: context).check(addresses.map(\.address))
        }
    }

    /// `<gw> dev <if> scope link` and `<subnet> via <gw> dev <if>` for every address.
    private func containerRoutes(_ addresses: [GatewayedAddress], link: Link, in container: NetworkStack) throws {
        for family in Set(addresses.map(\.address.family)) {
            let routes = try container.netlink.routes(family: family, table: .main, outputInterface: link.index)
            for entry in addresses where entry.address.family == family {
                let subnet = entry.address.network
                guard routes.contains(where: { $0.destination == entry.gatewayHost && $0.gateway == nil }) else {
                    throw PluginError(.checkFailed, "route \(entry.gateway) dev \(link.name) scope link not found in the container")
                }
                guard routes.contains(where: { $0.destination == subnet && $0.gateway == entry.gateway }) else {
                    throw PluginError(.checkFailed, "route \(subnet) via \(entry.gateway) dev \(link.name) not found in the container")
                }
            }
        }
    }

    /// The host veth of `previous` is `peer`'s other end, with each gateway address and host route.
    private func hostSide(_ previous: CNIResult, addresses: [GatewayedAddress], peer: Link) throws {
        guard let expected = previous.interfaces.first(where: { $0.sandbox == nil }) else {
            throw PluginError(.checkFailed, "no host interface in prevResult")
        }
        let name = expected.name
        let host = try plugin.resources.hostStack()
        guard let link = try host.netlink.link(named: name), link.kind == .veth else {
            throw PluginError(.checkFailed, "host veth \"\(name)\" not found")
        }
        if let mac = expected.macAddress, link.mac != mac {
            throw PluginError(.checkFailed, "host veth \"\(name)\" MAC \(link.mac.map { "\($0)" } ?? "none") does not match \(mac) in prevResult")
        }
        // IFLA_LINK of each end is the other's index (each in its own namespace's numbering).
        guard link.linkIndex == peer.index, peer.linkIndex == link.index else {
            throw PluginError(.checkFailed, "host veth \"\(name)\" is not the peer of \"\(peer.name)\"")
        }
        let present = try host.netlink.addresses(index: link.index).map(\.network)
        for entry in addresses where !present.contains(entry.gatewayHost) {
            throw PluginError(.checkFailed, "address \(entry.gatewayHost) not found on host veth \"\(name)\"")
        }
        for family in Set(addresses.map(\.address.family)) {
            let routes = try host.netlink.routes(family: family, table: .main, outputInterface: link.index)
            for entry in addresses where entry.address.family == family {
                guard routes.contains(where: { $0.destination == entry.addressHost }) else {
                    throw PluginError(.checkFailed, "host route to \(entry.addressHost) via \"\(name)\" not found")
                }
            }
        }
    }
}
