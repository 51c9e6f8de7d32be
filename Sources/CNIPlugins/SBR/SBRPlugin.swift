import CNI
import LinuxNet
import NetAddress
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "sbr") { SBRPlugin() } }

/// The `sbr` plugin (source-based routing): chained after an interface plugin, it makes the
/// container route traffic *from* each address of `CNI_IFNAME` through that interface, with a
/// policy rule per address and a routing table of its own (``SourceRouting``). Everything happens
/// in the container namespace, under a lock on the namespace file shared with the reference's
/// plugin, so concurrent ADDs for several interfaces of one pod pick distinct tables.
public struct SBRPlugin: CNIPlugin {
    /// The containers' namespaces.
    public var resources: HostResources

    public init(resources: HostResources = .process) {
        self.resources = resources
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try SBRConfig(context.config)
        let result = try context.config.requirePrevResult("This plugin must be called as chained plugin")
        let ips = try Self.addresses(result, context)
        let container = try resources.container(context)
        try container.namespace.lock()
        defer { container.namespace.unlock() }
        guard let link = try container.netlink.link(named: context.ifName) else {
            throw PluginError(.internal, "Cannot find network interface \(context.ifName) in \(context.netns)")
        }
        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        let routing = SourceRouting(netlink: container.netlink, link: link, rollback: rollback)
        do {
            if let table = config.table {
                try routing.addRules(for: ips, table: RouteTable(table))
            } else {
                try routing.routeBySource(ips, config)
            }
        } catch let error as NetlinkError {
            throw PluginError.system("source-based routing for \(context.ifName)", error)
        }
        rollback.commit()
        return result
    }

    /// Removes the rules from the interface's addresses (to the configured `table` only, when one
    /// is set). The tables' routes go with the interface. A missing namespace or interface means
    /// there is nothing left.
    public func delete(_ context: PluginContext) throws {
        let config = SBRConfig(lenient: context.config)
        guard let container = try resources.containerForDelete(context) else { return }
        try container.namespace.lock()
        defer { container.namespace.unlock() }
        guard let link = try container.netlink.link(named: context.ifName) else { return }
        var addresses = Set(try container.netlink.addresses(index: link.index).map(\.network.address))
        // The result's addresses too, for an interface whose addresses were already removed.
        if let result = context.config.readablePrevResult {
            addresses.formUnion(result.sourceRoutedIPs(ifName: context.ifName).map(\.address.address))
        }
        var errors = CleanupErrors()
        for family in IPFamily.allCases {
            for rule in try container.netlink.rules(family: family) {
                guard let source = rule.source, addresses.contains(source.address) else { continue }
                if let table = config.table, rule.table.rawValue != table { continue }
                errors.run("delete rule from \(source) lookup \(rule.table)") {
                    do {
                        try container.netlink.deleteRule(rule)
                    } catch let error as NetlinkError where error.isNotFound {}
                }
            }
        }
        try errors.throwIfAny()
    }

    /// Each address has its rule, and (without `table`) its table holds a default route on the
    /// interface when the address has a gateway (the one ADD added, or the interface's own default
    /// route copied over it).
    public func check(_ context: PluginContext) throws {
        let config = try SBRConfig(context.config)
        let result = try context.config.requirePrevResult("This plugin must be called as chained plugin")
        let ips = try Self.addresses(result, context)
        let container = try resources.container(context)
        guard let link = try container.netlink.link(named: context.ifName) else {
            throw PluginError.check("Cannot find network interface \(context.ifName)")
        }
        for ip in ips {
            let rules = try container.netlink.rules(family: ip.address.family)
            guard let rule = rules.first(where: {
                $0.source == IPNetwork(host: ip.address.address) && (config.table == nil || $0.table.rawValue == config.table)
            }) else {
                throw PluginError.check("no rule routes traffic from \(ip.address.address) (sbr on \(context.ifName))")
            }
            guard config.table == nil, config.gateway(for: ip) != nil else { continue }
            let routes = try container.netlink.routes(family: ip.address.family, table: rule.table, outputInterface: link.index)
            guard routes.contains(where: \.isDefault) else {
                throw PluginError.check("table \(rule.table) has no default route on \(context.ifName)")
            }
        }
    }

    /// The addresses of `CNI_IFNAME` in prevResult; there must be some.
    static func addresses(_ result: CNIResult, _ context: PluginContext) throws(PluginError) -> [CNIResult.IPConfig] {
        guard !result.ips.isEmpty else {
            throw PluginError.config("No IP addresses supplied on interface: \(context.ifName)")
        }
        return result.sourceRoutedIPs(ifName: context.ifName)
    }
}
