import CNI
import Firewall
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "firewall") { FirewallPlugin() } }

/// The `firewall` plugin: chained after an interface plugin, it opens the host's firewall to the
/// container's addresses (the reference's iptables chains, our nftables table, or firewalld's
/// zone) and applies the ingress policy. It creates no interface; its result is prevResult.
///
/// The backend: `backend` when set; else firewalld when it is on the system bus (the
/// reference's rule); else the node's layout (``FirewallBackendKind/nodeDefault(_:)``: iptables
/// where the reference's iptables chains already are, else nftables). DEL and GC look in every
/// backend. All of it runs in the plugin's own (host) network namespace.
public struct FirewallPlugin: CNIPlugin {
    public var iptables: any IsolatingFirewall
    public var nftables: any IsolatingFirewall
    public var firewalld: FirewalldFirewall
    public var node: any FirewallProbe

    public init(
        iptables: any IsolatingFirewall = IPTablesFirewall(), nftables: any IsolatingFirewall = NFTablesFirewall(),
        firewalld: FirewalldFirewall = FirewalldFirewall(), node: any FirewallProbe = NodeFirewallProbe()
    ) {
        self.iptables = iptables
        self.nftables = nftables
        self.firewalld = firewalld
        self.node = node
    }

    /// The iptables and nftables backends and the node's probe on `host` (the programs looked up
    /// once), and firewalld on the system bus.
    public init(host: FirewallHost, firewalld: FirewalldFirewall = FirewalldFirewall()) {
        let tools = IPTablesTools.locate(in: host)
        self.init(
            iptables: IPTablesFirewall(tools: tools), nftables: NFTablesFirewall(netfilter: host.netfilter), firewalld: firewalld,
            node: NodeFirewallProbe(tools: tools))
    }

    /// As the reference: configs from 0.4.0 on (GC and STATUS from 1.1.0, by the spec).
    public var supportedVersions: [String] { CNIVersion.all.filter { $0 >= .v0_4_0 }.map(\.description) }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try FirewallConfig(context.config)
        guard let previous = config.prevResult else {
            throw FirewallPluginError(.invalidConfig, "missing prevResult from earlier plugin")
        }
        let attachment = config.attachment(containerID: context.containerID, ifName: context.ifName)
        _ = try attachment.isolatedBridge()  // before anything is touched
        let backend = try chosen(config)
        try backend.add(attachment)
        if attachment.ingressPolicy.isolates, backend.kind == .firewalld {
            // firewalld holds no rules of ours: the isolation goes where rules go on this node.
            do {
                try isolationBackend().addIsolation(attachment)
            } catch {
                try? backend.remove(attachment)
                throw error
            }
        }
        return previous
    }

    public func delete(_ context: PluginContext) throws {
        let config = FirewallConfig(teardown: context.config)
        let attachment = config.attachment(containerID: context.containerID, ifName: context.ifName)
        var errors = CleanupErrors()
        // Every backend, whatever the config says now: the attachment may have been set up by
        // another config or version (or by the reference, which knows iptables and firewalld).
        var backends: [any ContainerFirewall] = [nftables, iptables]
        if config.backend == .firewalld || (config.backend == nil && firewalld.isRunning()) { backends.append(firewalld) }
        for backend in backends {
            do {
                try backend.remove(attachment)
            } catch {
                if backend.isPresent() { errors.run(backend.kind.rawValue) { throw error } }
            }
        }
        try errors.throwIfAny()
    }

    public func check(_ context: PluginContext) throws {
        let config = try FirewallConfig(context.config)
        guard config.prevResult != nil else {
            throw FirewallPluginError(.invalidConfig, "missing prevResult from earlier plugin")
        }
        let attachment = config.attachment(containerID: context.containerID, ifName: context.ifName)
        let backend = try chosen(config)
        // With the backend left to the node's default, the rules are wherever the ADD put them.
        guard config.backend == nil, backend.kind != .firewalld else { return try backend.check(attachment) }
        do {
            try backend.check(attachment)
        } catch {
            let other: any ContainerFirewall = backend.kind == .iptables ? nftables : iptables
            guard (try? other.check(attachment)) != nil else { throw error }
        }
    }

    /// Removes the nftables and iptables rules of this network's attachments that are not in
    /// `cni.dev/valid-attachments` (iptables: as the owner rules record them). Without the list
    /// nothing is removed. firewalld's sources name no container, so they cannot be told stale.
    public func gc(_ context: PluginContext) throws {
        guard let valid = context.config.validAttachments else { return }
        var errors = CleanupErrors()
        for backend in [nftables, iptables] as [any ContainerFirewall] {
            do {
                try backend.gc(network: context.config.name, keeping: valid)
            } catch {
                if backend.isPresent() { errors.run(backend.kind.rawValue) { throw error } }
            }
        }
        try errors.throwIfAny()
    }

    /// Ready when the backend ADD would use can work here; code 50 otherwise.
    public func status(_ context: PluginContext) throws {
        try chosen(try FirewallConfig(context.config)).checkUsable()
    }

    // MARK: helpers

    private func chosen(_ config: FirewallConfig) throws(FirewallPluginError) -> any ContainerFirewall {
        switch config.backend {
        case .iptables: return iptables
        case .nftables: return nftables
        case .firewalld: return firewalld
        case nil:
            if firewalld.isRunning() { return firewalld }
            return FirewallBackendKind.nodeDefault(node) == .iptables ? iptables : nftables
        }
    }

    private func isolationBackend() -> any IsolatingFirewall {
        FirewallBackendKind.nodeDefault(node) == .iptables ? iptables : nftables
    }
}
