import CNI
import LinuxNet
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "tap") { TapPlugin() } }

/// The `tap` plugin: a persistent tap device in the container's namespace (for a VM runtime to
/// attach to), optionally a port of a bridge there, with the IPAM result on it or, without IPAM,
/// just up. Options: ``TapConfig``.
///
/// Where it differs from the reference, on purpose:
/// - the tap is made in-process (`/dev/net/tun` ioctls on a thread inside the container's
///   namespace) under its final name; the reference runs `ip tuntap` unless both `owner` and
///   `group` are set;
/// - `mtu` and `mac` are applied in every case (the reference's netlink path, taken when both
///   `owner` and `group` are set, drops them);
/// - `selinuxContext` is refused (code 999): labelling the device needs an exec under that label,
///   which the reference does with `ip`; see README;
/// - DEL reads no tap option; GC is forwarded to IPAM.
public struct TapPlugin: CNIPlugin {
    /// The node's and the containers' namespaces.
    public var resources: HostResources

    public init(resources: HostResources = .process) {
        self.resources = resources
    }

    public var knownArgs: Set<String>? { ["MAC"] }

    func single(_ context: PluginContext) -> SingleInterface {
        SingleInterface(context, ipam: .optional, notify: [.arp], resources: resources)
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try TapConfig(context.config, args: context.args)
        guard config.selinuxContext.isEmpty else {
            throw PluginError(.internal, "failed set socket label: selinuxContext \"\(config.selinuxContext)\" is not supported by this tap plugin")
        }
        let container = try resources.container(context)
        let ifName = context.ifName
        if try container.netlink.link(named: ifName) != nil {
            throw InterfaceError(.nameInUse, interface: ifName, message: "container interface name \"\(ifName)\" already exists")
        }
        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        try TapDevice.create(named: ifName, config.options, in: container.namespace)
        rollback.add { try ContainerLink.delete(named: ifName, in: container) }
        guard var link = try container.netlink.link(named: ifName) else {
            throw InterfaceError(.linkNotFound, interface: ifName, message: "tap \"\(ifName)\" vanished after creation")
        }
        var changes = LinkChanges(up: true, mtu: config.mtu, mac: config.mac)
        if let bridge = config.bridge {
            guard let master = try container.netlink.link(named: bridge) else {
                throw PluginError(.internal, "failed to get bridge \(bridge): Link not found")
            }
            changes.masterIndex = master.index
        }
        try container.netlink.setLink(link, changes)
        link = try container.netlink.link(index: link.index) ?? link
        let single = single(context)
        let result = try single.configure(link, interface: single.resultInterface(link), in: container, rollback: rollback)
        rollback.commit()
        return result
    }

    /// The reference checks only the addresses and routes; ours also that the interface is a tap.
    public func check(_ context: PluginContext) throws {
        _ = try TapConfig(context.config, args: context.args)
        try single(context).check(kind: .other("tun"))
    }

    public func delete(_ context: PluginContext) throws { try single(context).delete() }
    public func gc(_ context: PluginContext) throws { try single(context).gc() }
    public func status(_ context: PluginContext) throws { try single(context).status() }
}
