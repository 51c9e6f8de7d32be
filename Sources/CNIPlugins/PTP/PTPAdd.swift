import CNI
import LinuxNet
import NetAddress
import Netlink
import PluginKit

/// ADD, all or nothing: every side effect registers its undo right away, and a failure anywhere
/// undoes them all, the IPAM lease included (the reference leaks it when IPAM returns no address
/// and when forwarding cannot be enabled).
///
/// The steps run one after the other. Overlapping the independent ones (the veth with IPAM's
/// exec, the addresses and routes with the masquerade execs) measured no faster on two cores:
/// they are short, and a thread costs about what they would save.
struct PTPAdd {
    var plugin: PTPPlugin
    var context: PluginContext

    func run() throws -> CNIResult {
        let config = try PTPConfig(context.config)
        try config.requireIPAM()
        let masq = PTPMasquerade(masquerade: plugin.masquerade, config: config, context: context)
        let ifName = context.ifName
        let container = try plugin.resources.container(context)
        let host = try plugin.resources.hostStack()
        // Refused before IPAM runs, so a clash costs no allocation.
        if try container.netlink.link(named: ifName) != nil {
            throw InterfaceError(.nameInUse, interface: ifName, message: "container veth name \"\(ifName)\" already exists")
        }

        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        let ipam = context.ipam
        var result = try ipam.execAdd()
        rollback.add { try ipam.execDel() }
        let addresses = try GatewayedAddress.all(of: result)
        do {
            try IPForwarding.enable(result.families, in: host)
        } catch {
            throw PluginError(.internal, "Could not enable IP forwarding", cause: error)
        }
        let pair = try VethPair.create(.init(containerName: ifName, mtu: config.mtu, container: container, host: host))
        rollback.add {
            // Either end takes the other with it; the host end by name if the container's is unreachable.
            if try VethPair.delete(named: ifName, in: container) == nil {
                _ = try VethPair.delete(named: pair.host.name, in: host)
            }
        }
        // Before the container end comes up, so no link-local or IPAM address is ever tentative.
        if result.families.contains(.v6) && !config.enableDAD {
            try PTPLinks.disableDAD(on: pair.host.name, in: host)
            try PTPLinks.disableDAD(on: ifName, in: container)
        }
        result.interfaces = [
            .init(name: pair.host.name, mac: pair.host.mac?.description),
            .init(name: pair.container.name, mac: pair.container.mac?.description, sandbox: context.netns),
        ]
        result.assignIPs(toInterface: 1)

        _ = try PTPLinks.configureContainer(
            result, addresses: addresses, ifName: ifName, noDAD: !config.enableDAD, in: container)
        try PTPLinks.configureHost(pair.host, addresses: addresses, in: host)
        if config.ipMasq {
            let networks = addresses.map(\.address)
            // Registered first: a setup that fails halfway (one family done) is undone too.
            rollback.add { try masq.teardown(networks) }
            try masq.setup(networks)
        }
        if let dns = config.dns { result.dns = dns }
        rollback.commit()
        return result
    }
}
