import CNI
import Firewall
import NetAddress
import Netlink
import PluginKit
import SystemPackage

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "portmap") { PortMapPlugin() } }

/// The `portmap` plugin: chained after an interface plugin, it publishes container ports on the
/// host (`runtimeConfig.portMappings`): DNAT from `hostIP:hostPort` to the container address of
/// each family in prevResult, masquerade for hairpin and localhost connections, stale UDP conntrack
/// entries flushed. See `PortMapConfig` for the options and the backend rule, `NFTPortMapLayout` and
/// `IPTablesPortMapLayout` for the rules.
///
/// All of it runs in the plugin's own (host) network namespace.
public struct PortMapPlugin: CNIPlugin {
    public var iptables: any PortMapper
    public var nftables: any PortMapper
    /// What the default backend rule reads about the node (shared with the masquerade).
    public var node: any FirewallProbe
    /// The host's namespace (`route_localnet`).
    public var resources: HostResources
    /// The host's netfilter sockets (conntrack).
    public var netfilter: TransportOpener

    /// Both backends, the node's probe and conntrack on `firewall` (the programs are looked up
    /// once).
    public init(resources: HostResources = .process, firewall: FirewallHost = .process) {
        let tools = IPTablesTools.locate(in: firewall)
        self.init(
            iptables: IPTablesPortMapper(tools: tools), nftables: NFTablesPortMapper(netfilter: firewall.netfilter),
            node: NodeFirewallProbe(tools: tools), resources: resources, netfilter: firewall.netfilter)
    }

    /// With backends of the caller's choosing (tests).
    public init(
        iptables: any PortMapper, nftables: any PortMapper, node: any FirewallProbe = NodeFirewallProbe(),
        resources: HostResources = .process, netfilter: TransportOpener = .callingThread(.netfilter)
    ) {
        self.iptables = iptables
        self.nftables = nftables
        self.node = node
        self.resources = resources
        self.netfilter = netfilter
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try parse(context, prefix: "failed to parse config: ")
        let previous = try config.prevResult.requiredPrevResult("must be called as chained plugin")
        // No mappings: pass prevResult through and touch no firewall (plugins#464, #510).
        guard !config.mappings.isEmpty else { return previous }
        let attachment = Self.attachment(config, context)
        let mapper = try backend(config)

        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        try mapper.forward(attachment)
        rollback.add { _ = try mapper.unforward(attachment) }
        if attachment.options.snat, let v4 = attachment.address(.v4), !attachment.mappings(for: .v4).isEmpty {
            // A host whose routes cannot be read is left alone, as an address it has no route to.
            if let host = try? resources.hostStack() { try LocalnetRouting.enable(towards: v4.address, in: host) }
        }
        // After the rules, so that new packets of a flushed flow meet them.
        for family in IPFamily.allCases where attachment.address(family) != nil {
            let udp = attachment.mappings(for: family).filter { $0.proto == .udp }.map(\.hostPorts)
            guard !udp.isEmpty else { continue }
            flush(Conntrack.Selector(family: family, destinationPorts: udp, replySource: nil))
        }
        rollback.commit()
        return previous
    }

    public func delete(_ context: PluginContext) throws {
        let config = PortMapConfig(teardown: context.config)
        let attachment = Self.attachment(config, context)
        var errors = CleanupErrors()
        var stale = StaleFlows()
        // Both backends, whatever the config says: the attachment may have been set up by another
        // version or config (or by the reference, which only knows iptables in Debian's 1.1.1).
        for mapper in [nftables, iptables] {
            do {
                stale.formUnion(try mapper.unforward(attachment))
            } catch {
                if mapper.isPresent() { errors.run("\(mapper.kind.rawValue)") { throw error } }
            }
        }
        flush(stale)
        try errors.throwIfAny()
    }

    public func check(_ context: PluginContext) throws {
        let config = try parse(context, prefix: "")
        _ = try config.prevResult.requiredPrevResult()
        guard !config.mappings.isEmpty else { return }
        let attachment = Self.attachment(config, context)
        let chosen = try backend(config)
        // With the backend left to the node's default, the rules are wherever the ADD put them: the
        // default may have changed since (the reference's iptables chains appeared, say).
        guard config.backend == nil, config.optionBackends.isEmpty else { return try chosen.check(attachment) }
        do {
            try chosen.check(attachment)
        } catch {
            let other: any PortMapper = chosen.kind == .iptables ? nftables : iptables
            guard (try? other.check(attachment)) != nil else { throw error }
        }
    }

    /// Removes the rules of this network's attachments that are not in `cni.dev/valid-attachments`,
    /// in both backends. Without the list (`cnitool gc` sends none) nothing is known to be stale and
    /// nothing is removed, as host-local, bridge and ptp read it: a missing list must never cost a
    /// live container its published ports.
    public func gc(_ context: PluginContext) throws {
        guard let valid = context.config.validAttachments else { return }
        var errors = CleanupErrors()
        var stale = StaleFlows()
        for mapper in [nftables, iptables] {
            do {
                stale.formUnion(try mapper.gc(network: context.config.name, keeping: valid))
            } catch {
                if mapper.isPresent() { errors.run("\(mapper.kind.rawValue)") { throw error } }
            }
        }
        flush(stale)
        try errors.throwIfAny()
    }

    /// Ready when the backend ADD would use can work here; code 50 otherwise.
    public func status(_ context: PluginContext) throws {
        let config = try parse(context, prefix: "")
        try backend(config).checkUsable()
    }

    // MARK: helpers

    private func parse(_ context: PluginContext, prefix: String) throws -> PortMapConfig {
        do {
            return try PortMapConfig(context.config)
        } catch {
            throw PortMapError(error.code, prefix + error.message, cause: error.cause)
        }
    }

    private func backend(_ config: PortMapConfig) throws(PortMapError) -> any PortMapper {
        try config.backend(nodeDefault: .nodeDefault(node)) == .iptables ? iptables : nftables
    }

    static func attachment(_ config: PortMapConfig, _ context: PluginContext) -> PortMapAttachment {
        PortMapAttachment(
            network: config.network, containerID: context.containerID, ifName: context.ifName,
            addresses: config.containerAddresses(ifName: context.ifName), mappings: config.mappings, options: config.options)
    }

    /// Deletes the UDP conntrack entries of flows DNATed to the given addresses.
    private func flush(_ stale: StaleFlows) {
        for address in stale.udpDestinations.sorted() {
            flush(Conntrack.Selector(family: address.family, destinationPorts: nil, replySource: address))
        }
    }

    /// A failed flush is reported on stderr and does not fail the operation (as in the reference:
    /// the rules are what matters; stale entries time out eventually).
    private func flush(_ selector: Conntrack.Selector) {
        do {
            try Conntrack(transport: netfilter.open()).deleteUDP(selector)
        } catch {
            let what = selector.replySource.map { "to \($0)" } ?? "of IPv\(selector.family.versionString) host ports"
            try? FileDescriptor.standardError.writeAll(Array("portmap: failed to delete stale UDP conntrack entries \(what): \(error)\n".utf8))
        }
    }
}
