import CNI
import LinuxNet
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "macvlan") { MacvlanPlugin() } }

/// The `macvlan` plugin: a macvlan link on the node's uplink (`master`), created straight into the
/// container's namespace, with the IPAM result on it or, without IPAM, just up (L2 only). Options:
/// ``MacvlanConfig``.
///
/// Where it differs from the reference, on purpose:
/// - the link is created under its final name when the node has no link of that name (one
///   request); the reference always uses a temporary name and a rename;
/// - an invalid `mode`, `mtu` or MAC is refused (code 7) before anything is created;
/// - DEL reads no macvlan option, so a config that no longer validates (a master gone) still
///   removes the link and releases the lease;
/// - GC is forwarded to IPAM.
public struct MacvlanPlugin: CNIPlugin {
    /// The node's and the containers' namespaces.
    public var resources: HostResources

    public init(resources: HostResources = .process) {
        self.resources = resources
    }

    public var knownArgs: Set<String>? { ["MAC"] }

    func single(_ context: PluginContext) -> SingleInterface {
        SingleInterface(context, ipam: .optional, notify: [.arp, .ndisc], resources: resources)
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try MacvlanConfig(context.config, args: context.args)
        let host = try resources.hostStack()
        let container = try resources.container(context)
        let master = try MasterLink.find(config.master, inContainer: config.linkInContainer, host: host) { container }
        let mtu = try master.checkMTU(config.mtu)
        return try single(context).add(.init(
            type: .macvlan(mode: config.mode, broadcastQueueLength: config.broadcastQueueLength), name: context.ifName,
            parent: master.link, creator: master.stack, container: container, mtu: mtu, mac: config.mac))
    }

    public func check(_ context: PluginContext) throws {
        let config = try MacvlanConfig(context.config, args: context.args)
        let host = try resources.hostStack()
        try single(context).check(kind: LinkType.macvlan(mode: .bridge).kind, master: {
            _ = try MasterLink.find(config.master, inContainer: config.linkInContainer, host: host) {
                try resources.container(context)
            }
        }) { link in
            guard case .macvlan(let mode, _)? = link.linkType, mode == config.mode else {
                let current = link.linkType.map { "\($0)" } ?? "unknown"
                throw PluginError(.internal, "container macvlan mode \(current) does not match expected value: \(config.mode)")
            }
        }
    }

    public func delete(_ context: PluginContext) throws { try single(context).delete() }
    public func gc(_ context: PluginContext) throws { try single(context).gc() }
    public func status(_ context: PluginContext) throws { try single(context).status() }
}
