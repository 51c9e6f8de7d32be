import CNI
import Firewall
import LinuxNet
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "bridge") { BridgePlugin() } }

/// The `bridge` plugin: containers on a Linux bridge in the host namespace, each through a veth
/// pair, addresses from any IPAM plugin; a drop-in for the reference's (same options, result,
/// firewall objects). See `BridgePlugin+Add.swift` for what ADD does and where it differs.
///
/// Verbs:
/// - ADD: bridge, veth, port settings, spoof check, IPAM, container addresses and routes, gateway
///   addresses, forwarding, masquerade; all of it (but the shared bridge) undone on failure.
/// - DEL: best-effort and idempotent; without a netns (or with one already gone) the masquerade
///   and spoof-check rules are still removed and the address is still released.
/// - CHECK: IPAM CHECK, the bridge, both veth ends, addresses and routes against `prevResult`, and
///   (unlike the reference) the masquerade and spoof-check rules.
/// - GC: masquerade rules (and spoof checks of vanished ports) of attachments not in
///   `cni.dev/valid-attachments`, then IPAM GC. STATUS: IPAM STATUS.
public struct BridgePlugin: CNIPlugin {
    /// The host's and the containers' namespaces.
    public var resources: HostResources
    /// nftables (spoof check, masquerade) and the iptables programs (masquerade).
    public var firewall: FirewallHost

    public init(resources: HostResources = .process, firewall: FirewallHost = .process) {
        self.resources = resources
        self.firewall = firewall
    }

    /// `CNI_ARGS` may carry `MAC` (the container MAC; config keys take precedence).
    public var knownArgs: Set<String>? { ["MAC"] }

    /// Spec 1.1.0 GC. Without a valid-attachment list (`cnitool gc` sends none) no firewall rule
    /// is removed: an absent list says nothing about which attachments are alive (host-local reads
    /// it the same way). Masquerade GC runs whatever `ipMasq` says now, so rules of a network whose
    /// config dropped `ipMasq` are collected too.
    public func gc(_ context: PluginContext) throws {
        let config = BridgeConfig(teardown: context.config)
        var errors = CleanupErrors()
        if let valid = context.config.validAttachments {
            let keep = valid.map { AttachmentID(containerID: $0.containerID, ifName: $0.ifName) }
            if config.isLayer3 {
                errors.run("masquerade GC") { () throws in
                    try Masquerade(host: firewall).gc(network: config.network, keeping: keep)
                }
            }
            if config.macSpoofCheck {
                errors.run("spoof check GC") { () throws in
                    let host = try resources.hostStack()
                    try SpoofCheck.collectGarbage(keeping: keep, netfilter: firewall.netfilter) { name in
                        do { return try host.netlink.link(named: name) != nil } catch { return true }
                    }
                }
            }
        }
        if config.isLayer3 {
            errors.run("IPAM GC") { try context.ipam.execGC() }
        }
        try errors.throwIfAny()
    }

    /// Ready when the IPAM plugin is (an L2 network has nothing that could be unavailable).
    public func status(_ context: PluginContext) throws {
        let config = try BridgeConfig(context.config, args: context.args)
        if config.isLayer3 { try context.ipam.execStatus() }
    }
}
