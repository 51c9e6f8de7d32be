import CNI
import Glibc
import LinuxNet
import NetAddress
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "vrf") { VRFPlugin() } }

/// The `vrf` plugin: chained after an interface plugin, it puts `CNI_IFNAME` into a VRF device of
/// the container namespace (`vrfname`, created with `table` or a free table when missing), so the
/// interface's routes live in the VRF's table: the kernel moves the connected ones, and the
/// others are copied over as the reference does. IPv6 addresses the enslavement flushed are put
/// back. DEL frees the interface and deletes the VRF once no interface is left in it.
public struct VRFPlugin: CNIPlugin {
    /// The containers' namespaces.
    public var resources: HostResources

    public init(resources: HostResources = .process) {
        self.resources = resources
    }

    /// The reference's versions (0.3.1 and later), and 1.1.0.
    public var supportedVersions: [String] { ["0.3.1", "0.4.0", "1.0.0", "1.1.0"] }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try VRFConfig(context.config)
        let result = try context.config.requirePrevResult("missing prevResult from earlier plugin")
        let container = try resources.container(context)
        let netlink = container.netlink
        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        do {
            let (vrf, table) = try findOrCreate(config, netlink, rollback)
            guard let link = try netlink.link(named: context.ifName) else {
                throw PluginError(.internal, "could not get link by name \(context.ifName)")
            }
            if let master = link.masterIndex {
                let name = try netlink.link(index: master)?.name ?? "#\(master)"
                throw PluginError(.internal, "interface \(context.ifName) has already a master set: \(name)")
            }
            // Enslaving cycles the link: IPv6 addresses go unless keep_addr_on_down is set, and
            // routes through the link leave the main table.
            let addresses = try netlink.addresses(family: .v6, index: link.index).filter { $0.scope == .universe }
            var routes: [Route] = []
            for family in IPFamily.allCases {
                routes += try netlink.routes(family: family, table: .main, outputInterface: link.index).filter { $0.scope == .universe }
            }
            try netlink.setMaster(link, vrf)
            rollback.add {
                try? netlink.setMaster(link, nil)
                for address in addresses { try? netlink.addAddress(address) }
                for route in routes { try? netlink.replaceRoute(route) }
            }
            let kept = Set(try netlink.addresses(family: .v6, index: link.index).map(\.network))
            for address in addresses where !kept.contains(address.network) {
                try netlink.addAddress(address)
                try waitForLocalRoute(address, table: table, link: link, netlink)
            }
            for var route in routes {
                route.table = table
                try netlink.replaceRoute(route)
            }
        } catch let error as NetlinkError {
            throw PluginError.system("cmdAdd failed", error)
        }
        rollback.commit()
        return result
    }

    /// Frees the interface from the VRF and deletes the VRF when nothing is left in it. Nothing to
    /// do without the namespace, the VRF or a usable `vrfname`.
    public func delete(_ context: PluginContext) throws {
        guard let name = VRFConfig.lenient(context.config), let container = try resources.containerForDelete(context) else { return }
        let netlink = container.netlink
        guard let vrf = try netlink.link(named: name), case .vrf = vrf.linkType else { return }
        if let link = try netlink.link(named: context.ifName), link.masterIndex == vrf.index {
            try netlink.setMaster(link, nil)
        }
        guard try !netlink.links().contains(where: { $0.masterIndex == vrf.index }) else { return }
        do {
            try netlink.deleteLink(vrf)
        } catch let error as NetlinkError where error.isNotFound {}
    }

    /// The VRF exists with the configured table, and the interface is in it.
    public func check(_ context: PluginContext) throws {
        let config = try VRFConfig(context.config)
        _ = try context.config.requirePrevResult("missing prevResult from earlier plugin")
        let container = try resources.container(context)
        guard let vrf = try container.netlink.link(named: config.vrfName) else {
            throw PluginError.check("VRF \(config.vrfName) not found")
        }
        guard case .vrf(let table) = vrf.linkType else { throw PluginError.check("Netlink \(config.vrfName) is not a VRF") }
        if let want = config.table, want != table {
            throw PluginError.check("VRF \(config.vrfName) has routing table \(table), configured \(want)")
        }
        guard let link = try container.netlink.link(named: context.ifName), link.masterIndex == vrf.index else {
            throw PluginError.check("Failed to find \(context.ifName) associated to vrf \(config.vrfName)")
        }
    }

    // MARK: steps

    /// The VRF and its table: the existing one (whose table must be the configured one, if any),
    /// or a new one, up, with the configured table or the lowest one no VRF uses.
    private func findOrCreate(_ config: VRFConfig, _ netlink: RouteNetlink, _ rollback: Rollback) throws -> (Link, RouteTable) {
        if let existing = try netlink.link(named: config.vrfName) {
            guard case .vrf(let table) = existing.linkType else { throw PluginError(.internal, "Netlink \(config.vrfName) is not a VRF") }
            if let want = config.table, want != table {
                throw PluginError.config("VRF \(config.vrfName) already exist with different routing table \(table)")
            }
            return (existing, RouteTable(table))
        }
        let table = try config.table ?? Self.freeTable(netlink)
        try netlink.addLink(LinkSpec(name: config.vrfName, type: .vrf(table: table), up: true))
        guard let vrf = try netlink.link(named: config.vrfName) else { throw PluginError(.internal, "VRF \(config.vrfName) vanished") }
        rollback.add {
            // Another interface may have joined it meanwhile; then it stays.
            if try !netlink.links().contains(where: { $0.masterIndex == vrf.index }) { try netlink.deleteLink(vrf) }
        }
        return (vrf, RouteTable(table))
    }

    /// The lowest table from 1 up that no VRF of the namespace uses (the reference's choice).
    static func freeTable(_ netlink: RouteNetlink) throws -> UInt32 {
        var used = Set<UInt32>()
        for link in try netlink.links() { if case .vrf(let table) = link.linkType { used.insert(table) } }
        var table: UInt32 = 1
        while used.contains(table) { table += 1 }
        return table
    }

    /// Waits (10 ms doubling, about 2.5 s in all, as the reference) for the kernel to install the
    /// local route of a re-added IPv6 address in the VRF's table: until then the address is not
    /// usable.
    private func waitForLocalRoute(_ address: Address, table: RouteTable, link: Link, _ netlink: RouteNetlink) throws {
        let host = IPNetwork(host: address.network.address)
        var delay: UInt32 = 10_000
        for attempt in 0...8 {
            if try netlink.routes(family: .v6, table: table, outputInterface: link.index).contains(where: { $0.destination == host }) {
                return
            }
            if attempt < 8 {
                usleep(delay)
                delay *= 2
            }
        }
        throw PluginError(.internal, "failed getting local/host addresses for \(link.name) in table \(table) with dst \(host)")
    }
}
