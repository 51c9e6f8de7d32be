import CNI
import Firewall
import LinuxNet
import NetAddress
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "ptp") { PTPPlugin() } }

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
    /// The host's and the containers' namespaces.
    public var resources: HostResources
    /// The masquerade backends, on the host's firewall.
    public var masquerade: Masquerade

    public init(resources: HostResources = .process, firewall: FirewallHost = .process) {
        self.init(resources: resources, masquerade: Masquerade(host: firewall))
    }

    /// With masquerade backends of the caller's choosing (tests).
    public init(resources: HostResources = .process, masquerade: Masquerade) {
        self.resources = resources
        self.masquerade = masquerade
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        try PTPAdd(plugin: self, context: context).run()
    }

    public func check(_ context: PluginContext) throws {
        try PTPCheck(plugin: self, context: context).run()
    }

    /// Best-effort and idempotent: the container link (which takes the host end, its address
    /// and routes with it), the masquerade rules, the IPAM lease; each step runs even when
    /// another failed, and the failures are reported together.
    ///
    /// Deleting a veth mostly waits for the kernel's RCU grace periods (~15 ms), so the container
    /// interface's addresses are removed first and the link goes on a thread of its own; IPAM's
    /// DEL runs on another as soon as the addresses are gone (never while one is still
    /// configured), and this one removes the rules meanwhile (deleting an iptables-nft chain
    /// waits on RCU too). The rules are found without addresses (prevResult's, if any, only
    /// narrow the families read).
    public func delete(_ context: PluginContext) throws {
        let config = PTPConfig(teardown: context.config)
        let masq = PTPMasquerade(masquerade: masquerade, config: config, context: context)
        let previous = context.config.readablePrevResult
        let addresses = previous.map { Self.containerAddresses(of: $0, context) } ?? []
        var errors = CleanupErrors()
        let opened = errors.run("open \(context.netns)") { try resources.containerForDelete(context) }
        let container = opened ?? nil
        let removal = ContainerVethRemoval(ifName: context.ifName, in: container, errors: &errors)
        // Without the namespace, the host end prevResult names (it outlives a deleted namespace
        // for a while, and for good if something still holds the namespace).
        let hostVeth = container == nil && previous != nil
            ? ConcurrentStep { try deleteHostVeth(of: previous!, context) } : nil
        let releasesLease = !config.ipamType.isEmpty
        if releasesLease && container != nil {
            removal.releaseLease { try context.ipam.execDel() }
        }
        if config.ipMasq {
            errors.run("tear down masquerade") { try masq.teardown(addresses) }
        }
        errors.append(contentsOf: removal.join())
        if let hostVeth {
            errors.run("delete host veth") { try hostVeth.join() }
        }
        if releasesLease && container == nil {
            // Only now that the host end (and so the pair) is gone.
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
        let config = PTPConfig(teardown: context.config)
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

    /// The addresses `result` gives this request's container interface (PluginKit's rule, shared
    /// with bridge).
    static func containerAddresses(of result: CNIResult, _ context: PluginContext) -> [IPNetwork] {
        result.containerAddresses(ifName: context.ifName, sandbox: context.netns)
    }

    /// Deletes the host veth `result` lists, but only while it still routes to one of the
    /// result's container addresses: a random name may have been drawn again since. The kernel
    /// may be destroying it at the same moment (a deleted namespace takes its veths with it,
    /// asynchronously): a link that vanishes on the way counts as deleted.
    func deleteHostVeth(of result: CNIResult, _ context: PluginContext) throws {
        guard let name = result.interfaces.first(where: { $0.sandbox == nil })?.name else { return }
        let host = try resources.hostStack()
        let ours = Set(Self.containerAddresses(of: result, context).map { IPNetwork(host: $0.address) })
        do {
            guard let link = try host.netlink.link(named: name), link.kind == .veth else { return }
            var routed = false
            for family in Set(ours.map(\.family)) where !routed {
                routed = try host.netlink.routes(family: family, outputInterface: link.index).contains {
                    ours.contains($0.destination)
                }
            }
            guard routed else { return }
            try host.netlink.deleteLink(link)
        } catch let error as NetlinkError where error.isNotFound {
            return
        }
    }
}
