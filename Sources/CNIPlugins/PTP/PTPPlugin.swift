import CNI
import Firewall
import LinuxNet
import NetAddress
import Netlink
import PluginKit

/// The `ptp` plugin: a veth pair per container and no bridge. The host end carries the IPAM
/// gateway as a /32 (/128) and a host route to each container address; the container routes
/// everything, its own subnet included, through that gateway. Options: see ``PTPConfig``.
///
/// Where it differs from the reference, on purpose:
/// - a failed ADD releases the IPAM lease on every path (the reference leaks it when IPAM
///   returns no address and when forwarding cannot be enabled) and removes what it made;
/// - IPv6 DAD is off unless `enabledad` is true (see ``PTPConfig``);
/// - DEL removes the masquerade rules even without a netns or link (plugins#810), and the host
///   veth named in `prevResult` when the netns is already gone;
/// - CHECK also checks the host veth, its address and route, and the masquerade rules;
/// - GC removes masquerade rules of stale attachments and forwards GC to IPAM.
public struct PTPPlugin: CNIPlugin {
    /// The masquerade backends (replaceable in tests).
    public var masquerade: Masquerade

    public init(masquerade: Masquerade = Masquerade()) {
        self.masquerade = masquerade
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try PTPConfig(context.config)
        try config.requireIPAM()
        let masq = PTPMasquerade(masquerade: masquerade, config: config, context: context)
        if config.ipMasq { try masq.validateBackend() }
        let container = try ContainerNamespace.open(context)
        let host = try NetworkStack(namespace: NetworkNamespace.current())
        // Refused before IPAM runs, so a clash costs no allocation.
        if try container.netlink.link(named: context.ifName) != nil {
            throw InterfaceError(
                .nameInUse, interface: context.ifName, message: "container veth name \"\(context.ifName)\" already exists")
        }

        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        let ipam = context.ipam
        var result = try ipam.execAdd()
        rollback.add { try ipam.execDel() }
        let addresses = try GatewayedAddress.all(of: result)
        let hasIPv6 = result.families.contains(.v6)
        do {
            try IPForwarding.enable(result.families, in: host.namespace)
        } catch {
            throw CNIError(.internal, "Could not enable IP forwarding: \(CNIError(error).msg)")
        }

        let pair = try VethPair.create(.init(containerName: context.ifName, mtu: config.mtu, container: container, host: host))
        rollback.add {
            // Deleting either end deletes both; the host end by name in case the container is unreachable.
            if try VethPair.delete(named: context.ifName, in: container) == nil {
                _ = try VethPair.delete(named: pair.host.name, in: host)
            }
        }
        if hasIPv6 && !config.enableDAD {
            try PTPLinks.disableDAD(on: pair.host.name, in: host.namespace)
            try PTPLinks.disableDAD(on: context.ifName, in: container.namespace)
        }
        result.interfaces = [
            .init(name: pair.host.name, mac: pair.host.mac?.description),
            .init(name: pair.container.name, mac: pair.container.mac?.description, sandbox: context.netns),
        ]
        result.assignIPs(toInterface: 1)
        _ = try PTPLinks.configureContainer(result, addresses: addresses, ifName: context.ifName, in: container)
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

    public func check(_ context: PluginContext) throws {
        try PTPCheck(plugin: self, context: context).run()
    }

    /// Best-effort and idempotent: the container link (which takes the host end, its address
    /// and routes with it), the masquerade rules, the IPAM lease; each step runs even when an
    /// earlier one failed, and the failures are reported together.
    public func delete(_ context: PluginContext) throws {
        let config = try PTPConfig(context.config)
        let masq = PTPMasquerade(masquerade: masquerade, config: config, context: context)
        let previous = context.config.prevResult
        var addresses = previous.map { Self.containerAddresses(of: $0, context) } ?? []
        var errors = CleanupErrors()

        let opened = errors.run("open \(context.netns)") { try ContainerNamespace.openForDelete(context) }
        if let container = opened ?? nil {
            if let found = errors.run("delete \(context.ifName)", { try VethPair.delete(named: context.ifName, in: container) }) ?? nil {
                addresses += found.filter { !addresses.contains($0) }
            }
        } else if let previous {
            // No netns (or no longer one): the host end may outlive it for a while, or for good
            // if something still holds the namespace. prevResult names it.
            errors.run("delete host veth") { try Self.deleteHostVeth(of: previous, context) }
        }
        if config.ipMasq {
            errors.run("tear down masquerade") { try masq.teardown(addresses) }
        }
        if !config.ipamType.isEmpty {
            errors.run("release IPAM") { try context.ipam.execDel() }
        }
        try errors.throwIfAny()
    }

    /// Masquerade rules of attachments the runtime no longer lists, then IPAM's GC. The links
    /// of a stale attachment went with its netns; nothing else of ours lives on the host.
    ///
    /// Without a valid-attachment list (`cnitool gc` sends none) no rule is removed: an
    /// unknown list is not an empty one, as host-local reads it too.
    public func gc(_ context: PluginContext) throws {
        let config = try PTPConfig(context.config)
        var errors = CleanupErrors()
        if let valid = context.config.validAttachments {
            let masq = PTPMasquerade(masquerade: masquerade, config: config, context: context)
            errors.run("masquerade GC") { try masq.gc(keeping: valid) }
        }
        if !config.ipamType.isEmpty {
            errors.run("IPAM GC") { try context.ipam.execGC() }
        }
        try errors.throwIfAny()
    }

    /// Ready when the IPAM plugin is (its error is passed on unchanged, as the spec asks).
    public func status(_ context: PluginContext) throws {
        let config = try PTPConfig(context.config)
        try config.requireIPAM()
        try context.ipam.execStatus()
    }

    /// The addresses `result` lists for this request's container interface (or for no interface).
    static func containerAddresses(of result: CNIResult, _ context: PluginContext) -> [IPNetwork] {
        let index = result.interface(named: context.ifName, sandbox: context.netns)?.index
        return result.ips.filter { $0.interface == nil || $0.interface == index }.map(\.address)
    }

    /// Deletes the host veth `result` lists, but only while it still routes to one of the
    /// result's container addresses: a random name may have been drawn again since.
    static func deleteHostVeth(of result: CNIResult, _ context: PluginContext) throws {
        guard let name = result.interfaces.first(where: { $0.sandbox == nil })?.name else { return }
        let host = try NetworkStack(namespace: NetworkNamespace.current())
        guard let link = try host.netlink.link(named: name), link.kind == .veth else { return }
        let ours = Set(containerAddresses(of: result, context).map { IPNetwork(host: $0.address) })
        var routed = false
        for family in Set(ours.map(\.family)) where !routed {
            routed = try host.netlink.routes(family: family, outputInterface: link.index).contains {
                ours.contains($0.destination)
            }
        }
        guard routed else { return }
        _ = try VethPair.delete(named: name, in: host)
    }
}
