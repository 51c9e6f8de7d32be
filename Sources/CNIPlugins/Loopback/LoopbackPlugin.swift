import CNI
import LinuxNet
import NetAddress
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "loopback") { LoopbackPlugin() } }

/// The `loopback` plugin: brings `lo` up inside the container (and down on DEL). CNI_IFNAME is
/// ignored, as the reference ignores it.
public struct LoopbackPlugin: CNIPlugin {
    /// Where the container namespaces are opened.
    public var resources: HostResources

    public init(resources: HostResources = .process) {
        self.resources = resources
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        // A chained loopback hands the previous plugin's result on unchanged.
        let previous = try context.config.prevResult
        let container = try resources.container(context)
        let lo = try loopbackLink(in: container, context)
        try container.netlink.setUp(lo)
        let addresses = try container.netlink.addresses(index: lo.index)
        if let stray = addresses.first(where: { !$0.network.address.isLoopback }) {
            throw PluginError(.internal, "loopback interface found with non-loopback address \"\(stray.network)\"")
        }
        if let previous { return previous }
        var result = CNIResult(cniVersion: context.cniVersion)
        result.interfaces = [.init(name: "lo", mac: MACAddress.zero.description, sandbox: context.netns)]
        for family in [IPFamily.v4, .v6] {
            if let first = addresses.first(where: { $0.family == family }) {
                result.ips.append(.init(interface: 0, address: first.network))
            }
        }
        return result
    }

    public func check(_ context: PluginContext) throws {
        let container = try resources.container(context)
        guard try loopbackLink(in: container, context).isUp else {
            throw PluginError(.checkFailed, "loopback interface is down")
        }
    }

    public func delete(_ context: PluginContext) throws {
        guard let container = try resources.containerForDelete(context) else { return }
        guard let lo = try container.netlink.link(named: "lo") else { return }
        try container.netlink.setDown(lo)
    }

    private func loopbackLink(in stack: NetworkStack, _ context: PluginContext) throws -> Link {
        guard let lo = try stack.netlink.link(named: "lo") else {
            throw PluginError(.notFound, "no loopback interface in \"\(context.netns)\"")
        }
        return lo
    }
}
