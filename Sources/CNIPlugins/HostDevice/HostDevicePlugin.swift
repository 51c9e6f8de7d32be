import CNI
import Glibc
import LinuxNet
import NetAddress
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "host-device") { HostDevicePlugin() } }

/// The `host-device` plugin: moves an existing device of the node into the container, renamed to
/// CNI_IFNAME (its node name kept as the link's alias), and back on DEL. Options:
/// ``HostDeviceConfig``.
///
/// Each move is one `RTM_SETLINK` carrying the target namespace, the new name and the alias, so
/// the node never sees the device renamed (the reference passes it through a temporary
/// namespace for the same reason) and nothing is left half done.
///
/// Where it differs from the reference, on purpose:
/// - DEL works without the container's namespace, and twice: when the namespace was deleted, the
///   kernel has already put a physical device back into the initial namespace, under its
///   container name (or `dev<N>`) with our alias; DEL finds it there by the alias and gives it its
///   name back. (The reference returns early then, without releasing the lease.)
/// - IPAM's lease is released on every DEL, and a failed ADD moves the device back.
public struct HostDevicePlugin: CNIPlugin {
    public var sysfs: HostDeviceConfig.SysFS
    /// The node's and the containers' namespaces.
    public var resources: HostResources

    public init(sysfs: HostDeviceConfig.SysFS = HostDeviceConfig.SysFS(), resources: HostResources = .process) {
        self.sysfs = sysfs
        self.resources = resources
    }

    func single(_ context: PluginContext) -> SingleInterface {
        SingleInterface(context, ipam: .optional, resources: resources)
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try HostDeviceConfig(context.config, sysfs: sysfs)
        let container = try resources.container(context)
        let single = single(context)
        let ifName = context.ifName
        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        var result: CNIResult
        if config.dpdkMode {
            // Bound to a userspace driver: nothing to move or configure; IPAM still allocates.
            let interface = CNIResult.Interface(name: ifName, sandbox: context.netns)
            if single.ipamType.isEmpty { return CNIResult(interfaces: [interface]) }
            let ipam = context.ipam
            result = try ipam.execAdd()
            rollback.add { try ipam.execDel() }
            guard !result.ips.isEmpty else { throw PluginError(.internal, "IPAM plugin returned missing IP config") }
            result.interfaces = [interface]
            result.assignIPs(toInterface: 0)
            result.dns = context.config.dns ?? DNS()
            rollback.commit()
            return result
        }
        let host = try resources.hostStack()
        let device = try HostDevices(host: host, sysfs: sysfs).find(config.selector)
        let state = config.useInterfaceNetwork ? try HostNetworkState.capture(device, in: host) : nil
        if try container.netlink.link(named: ifName) != nil {
            throw InterfaceError(.nameInUse, interface: ifName, message: "container interface name \"\(ifName)\" already exists")
        }
        let link = try HostDevices.moveIn(device, as: ifName, into: container, from: host)
        rollback.add { try HostDevices.moveOut(named: ifName, from: container, to: host) }
        result = try single.configure(link, interface: single.resultInterface(link), in: container, rollback: rollback)
        if let state {
            try state.apply(to: link, in: container)
            state.merge(into: &result)
        }
        rollback.commit()
        return result
    }

    public func check(_ context: PluginContext) throws {
        let config = try HostDeviceConfig(context.config, sysfs: sysfs)
        if config.dpdkMode {
            let single = single(context)
            if !single.ipamType.isEmpty { try context.ipam.execCheck() }
            _ = try context.config.requirePrevResult()
            return
        }
        try single(context).check(kind: nil)
    }

    /// Best effort: the device back to the node (from the container, or, when the container's
    /// namespace is gone, from wherever the kernel put it), then the lease.
    public func delete(_ context: PluginContext) throws {
        let single = single(context)
        var errors = CleanupErrors()
        let host = errors.run("open the node's namespace") { try resources.hostStack() }
        let opened = errors.run("open \(context.netns)") { try resources.containerForDelete(context) }
        if let host {
            errors.run("move \(context.ifName) back") { () throws in
                var moved = false
                if let container = opened ?? nil {
                    moved = try HostDevices.moveOut(named: context.ifName, from: container, to: host)
                }
                if !moved { try HostDevices.reclaim(context: context, host: host) }
            }
        }
        if !single.ipamType.isEmpty {
            errors.run("release IPAM") { try context.ipam.execDel() }
        }
        try errors.throwIfAny()
    }

    public func gc(_ context: PluginContext) throws { try single(context).gc() }
    public func status(_ context: PluginContext) throws { try single(context).status() }
}
