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
    public init() {}

    func single(_ context: PluginContext) -> SingleInterface {
        SingleInterface(context, ipam: .optional, notify: [.arp, .ndisc])
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
                throw CNIError(
                    .invalidNetworkConfig,
                    "ipvlan needs \"ipam\" or a prevResult with addresses (no IPAM plugin name provided)")
            }
            given = previous
        }
        let host = try NetworkStack(namespace: NetworkNamespace.current())
        let container = try ContainerNamespace.open(context)
        let master = try MasterLink.find(name, inContainer: config.linkInContainer, host: host) { container }
        return try single.add(
            .init(
                type: .ipvlan(mode: config.mode), name: context.ifName, parent: master.link, creator: master.stack,
                container: container, mtu: config.mtu),
            addresses: given)
    }

    public func check(_ context: PluginContext) throws {
        let config = try IPVLANConfig(context.config)
        let host = try NetworkStack(namespace: NetworkNamespace.current())
        try single(context).check(kind: LinkType.ipvlan(mode: .l2).kind, master: {
            guard let name = config.master else { return }
            _ = try MasterLink.find(name, inContainer: config.linkInContainer, host: host) { try ContainerNamespace.open(context) }
        }) { link in
            guard case .ipvlan(let mode, _)? = link.linkType, mode == config.mode else {
                let current = link.linkType.map { "\($0)" } ?? "unknown"
                throw CNIError(.internal, "container IPVlan mode \(current) does not match expected value: \(config.mode)")
            }
        }
    }

    public func delete(_ context: PluginContext) throws { try single(context).delete() }
    public func gc(_ context: PluginContext) throws { try single(context).gc() }
    public func status(_ context: PluginContext) throws { try single(context).status() }
}
