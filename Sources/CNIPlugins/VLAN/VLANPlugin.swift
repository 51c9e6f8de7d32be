import CNI
import LinuxNet
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "vlan") { VLANPlugin() } }

/// The `vlan` plugin: an 802.1Q link with `vlanId` on `master`, created straight into the
/// container's namespace, with the IPAM result on it. Options: ``VLANConfig``.
///
/// Where it differs from the reference, on purpose:
/// - a failed ADD removes the link (the reference leaves it when IPAM fails), and a missing IPAM
///   type is refused (code 7) before the link is created;
/// - DEL reads no vlan option, so it still works once the master is gone (the reference's DEL
///   then fails); GC and STATUS are forwarded to IPAM.
public struct VLANPlugin: CNIPlugin {
    /// The node's and the containers' namespaces.
    public var resources: HostResources

    public init(resources: HostResources = .process) {
        self.resources = resources
    }

    func single(_ context: PluginContext) -> SingleInterface {
        SingleInterface(context, ipam: .required("vlan requires an IPAM plugin: \"ipam\" with a \"type\" (no plugin name provided)"), resources: resources)
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try VLANConfig(context.config)
        let single = single(context)
        try single.requireIPAMIfNeeded()
        let host = try resources.hostStack()
        let container = try resources.container(context)
        let master = try MasterLink.find(config.master, inContainer: config.linkInContainer, host: host) { container }
        let mtu = try master.checkMTU(config.mtu)
        return try single.add(.init(
            type: .vlan(id: config.vlanID), name: context.ifName, parent: master.link, creator: master.stack,
            container: container, mtu: mtu))
    }

    public func check(_ context: PluginContext) throws {
        let config = try VLANConfig(context.config)
        let host = try resources.hostStack()
        try single(context).check(kind: LinkType.vlan(id: 0).kind, missingMessage: "vlan: Required prevResult missing", master: {
            _ = try MasterLink.find(config.master, inContainer: config.linkInContainer, host: host) { try resources.container(context) }
        }) { link in
            guard case .vlan(let id)? = link.linkType, id == config.vlanID else {
                let current = link.linkType.map { "\($0)" } ?? "unknown"
                throw PluginError(.internal, "vlan: interface \(link.name) is \(current), not vlan id \(config.vlanID)")
            }
            if config.mtu != 0 && Int(link.mtu) != config.mtu {
                throw PluginError(.internal, "vlan: MTU of \(link.name) is \(link.mtu), configured \(config.mtu)")
            }
        }
    }

    public func delete(_ context: PluginContext) throws { try single(context).delete() }
    public func gc(_ context: PluginContext) throws { try single(context).gc() }
    public func status(_ context: PluginContext) throws { try single(context).status() }
}
