import CNI
import NetAddress
import Netlink
import PluginKit

/// The work of an sbr ADD inside the container namespace, each change registered with the ADD's
/// rollback as it is made.
struct SourceRouting {
    let netlink: RouteNetlink
    let link: Link
    let rollback: Rollback

    /// Where the tables come from when none is configured: the first number from 100 up that no
    /// rule and no route of the namespace uses.
    static let firstTable: UInt32 = 100

    /// `table` set: one rule per address to that table; routes stay as they are.
    func addRules(for ips: [CNIResult.IPConfig], table: RouteTable) throws {
        for ip in ips { try addRule(.from(ip.address.address, table: table)) }
    }

    /// No `table`: each address gets its own table (the next free one) holding a default route
    /// via its gateway and copies of the interface's main-table routes that belong to it (through
    /// its subnet, from it, or to a directly connected prefix); a rule sends traffic from the
    /// address there. The interface's routes then leave the main table (with `addSourceHints`,
    /// its subnet routes stay there, with the address as `src`).
    func routeBySource(_ ips: [CNIResult.IPConfig], _ config: SBRConfig) throws {
        var used = Set<UInt32>()
        for family in IPFamily.allCases {
            used.formUnion(try netlink.rules(family: family).map(\.table.rawValue))
            used.formUnion(try netlink.routes(family: family).map(\.table.rawValue))
        }
        var original: [Route] = []
        for family in IPFamily.allCases {
            original += try netlink.routes(family: family, table: .main, outputInterface: link.index)
        }
        var table = Self.freeTable(from: Self.firstTable, used: used)
        for ip in ips {
            try addRule(.from(ip.address.address, table: RouteTable(table)))
            if let gateway = config.gateway(for: ip) {
                let zero = IPNetwork(address: ip.address.family == .v4 ? IPAddress(v4: 0) : IPAddress(v6High: 0, low: 0), prefixLength: 0)!
                try add(Route(destination: zero, gateway: gateway, outputInterface: link.index, table: RouteTable(table)))
            }
            for route in original where Self.belongs(route, to: ip.address) {
                var copy = route
                copy.table = RouteTable(table)
                copy.flags = []  // a copied route's flags (RTNH_F_LINKDOWN, …) are the kernel's to set
                try netlink.replaceRoute(copy)
                rollback.add { try? self.netlink.deleteRoute(copy) }
            }
            used.insert(table)
            table = Self.freeTable(from: table + 1, used: used)
        }
        // Put back last (registered first): the hints below replace some of these routes.
        rollback.add { for route in original { try? self.netlink.replaceRoute(route) } }
        if config.addSourceHints {
            for ip in ips {
                let hint = Route(
                    destination: ip.address.network, outputInterface: link.index, table: .main, scope: .link,
                    preferredSource: ip.address.address)
                // As the reference: a hint the kernel refuses does not fail the ADD.
                if (try? netlink.replaceRoute(hint)) != nil { rollback.add { try? self.netlink.deleteRoute(hint) } }
            }
            for route in original where route.scope != .link { try? netlink.deleteRoute(route) }
        } else {
            for route in original { try netlink.deleteRoute(route) }
        }
    }

    /// The reference's test for copying a route into an address's table: its source or gateway
    /// is in the address's subnet, or it has neither (a directly connected prefix).
    static func belongs(_ route: Route, to address: IPNetwork) -> Bool {
        if let source = route.preferredSource, address.contains(source) { return true }
        if let gateway = route.gateway, address.contains(gateway) { return true }
        return route.preferredSource == nil && route.gateway == nil
    }

    static func freeTable(from candidate: UInt32, used: Set<UInt32>) -> UInt32 {
        var table = candidate
        while used.contains(table) { table += 1 }
        return table
    }

    private func addRule(_ rule: Rule) throws {
        try netlink.addRule(rule)
        rollback.add { try? self.netlink.deleteRule(rule) }
    }

    private func add(_ route: Route) throws {
        try netlink.addRoute(route)
        rollback.add { try? self.netlink.deleteRoute(route) }
    }
}
