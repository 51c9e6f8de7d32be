import CNI
import LinuxNet
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "ipvlan") { IPVLANPlugin() } }

/// The `ipvlan` plugin: an ipvlan link on `master` (sharing its MAC), created straight into the
/// container's namespace, with the addresses of IPAM or, chained without `ipam`, of `prevResult`.
/// Options: ``IPVLANConfig``.
///
/// Where it differs from the reference, on purpose:
/// - a failed ADD removes the link (the reference leaves it when IPAM fails);
/// - a negative `mtu` is refused (code 7; the reference silently uses the default);
/// - without `ipam` and without a `prevResult` holding addresses, ADD fails (code 7) before any
///   link exists;
/// - CHECK without `master` checks the link's mode, MAC and addresses (the reference's CHECK
///   looks up a master named "" and always fails);
/// - DEL reads no ipvlan option; GC and STATUS are forwarded to IPAM.
public struct IPVLANPlugin: CNIPlugin {
    /// The node's and the containers' namespaces.
    public var resources: HostResources

    public init(resources: HostResources = .process) {
        self.resources = resources
    }

    func single(_ context: PluginContext) -> SingleInterface {
        SingleInterface(context, ipam: .optional, notify: [.arp, .ndisc], resources: resources)
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try IPVLANConfig(context.config)
        let previous = try context.config.prevResult
        var name = config.master
        if name == nil, let previous { name = try IPVLANConfig.chainedMaster(previous) }
        // Chained without IPAM: the previous plugin's addresses go on the ipvlan link.
        let single = single(context)
        var given: CNIResult?
        if single.ipamType.isEmpty {
            guard let previous, !previous.ips.isEmpty else {
                throw PluginError(
                    .invalidConfig,
                    "ipvlan needs \"ipam\" or a prevResult with addresses (no IPAM plugin name provided)")
            }
            given = previous
        }
        let host = try resources.hostStack()
        let container = try resources.container(context)
        let master = try MasterLink.find(name, inContainer: config.linkInContainer, host: host) { container }
        return try single.add(
            .init(
                type: .ipvlan(mode: config.mode), name: context.ifName, parent: master.link, creator: master.stack,
                container: container, mtu: config.mtu),
            addresses: given)
    }

    public func check(_ context: PluginContext) throws {
        let config = try IPVLANConfig(context.config)
        let host = try resources.hostStack()
        try single(context).check(kind: LinkType.ipvlan(mode: .l2).kind, master: {
            guard let name = config.master else { return }
            _ = try MasterLink.find(name, inContainer: config.linkInContainer, host: host) { try resources.container(context) }
        }) { link in
            guard case .ipvlan(let mode, _)? = link.linkType, mode == config.mode else {
                let current = link.linkType.map { "\($0)" } ?? "unknown"
                throw PluginError(.internal, "container IPVlan mode \(current) does not match expected value: \(config.mode)")
            }
        }
    }

    public func delete(_ context: PluginContext) throws { try single(context).delete() }
    public func gc(_ context: PluginContext) throws { try single(context).gc() }
    public func status(_ context: PluginContext) throws { try single(context).status() }
}
