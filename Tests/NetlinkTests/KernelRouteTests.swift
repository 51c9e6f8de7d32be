import CNITestSupport
import Foundation
import LinuxNet
import NetAddress
import Netlink
import Testing

/// Route verbs against the real kernel, checked with `ip -j route`.
@Suite(.enabled(if: isPrivileged)) struct KernelRouteTests {
    /// A namespace with `d0` up, 10.1.0.5/24 and fd00:1::5/64 on it.
    private func withRoutedLink(_ body: (TestNamespace, RouteNetlink, Link) throws -> Void) throws {
        try withNetlinkNamespace { ns, netlink in
            try ns.ip("link", "add", "d0", "type", "ifb")
            try ns.ip("link", "set", "d0", "up")
            try ns.ip("addr", "add", "10.1.0.5/24", "dev", "d0")
            try ns.ip("addr", "add", "fd00:1::5/64", "dev", "d0", "nodad")
            try body(ns, netlink, try #require(try netlink.link(named: "d0")))
        }
    }

    @Test func addReplaceDeleteWithEveryField() throws {
        try withRoutedLink { ns, netlink, link in
            let route = Route(
                destination: IPNetwork("10.9.0.0/16")!, gateway: IPAddress("10.1.0.1"), outputInterface: link.index,
                priority: 100, preferredSource: IPAddress("10.1.0.5"), mtu: 1400, advmss: 1360)
            try netlink.addRoute(route)
            let json = try #require(try ns.ipJSON(["route", "show", "10.9.0.0/16"]).first)
            #expect(json.string("gateway") == "10.1.0.1" && json.string("dev") == "d0")
            #expect(json.int("metric") == 100 && json.string("prefsrc") == "10.1.0.5")
            let metrics = (json["metrics"] as? [[String: Any]]) ?? []
            #expect(metrics.contains { $0.int("mtu") == 1400 } && metrics.contains { $0.int("advmss") == 1360 })

            let dumped = try #require(try netlink.routes(family: .v4, table: .main).first { $0.destination.description == "10.9.0.0/16" })
            #expect(dumped.gateway == IPAddress("10.1.0.1") && dumped.outputInterface == link.index)
            #expect(dumped.priority == 100 && dumped.mtu == 1400 && dumped.advmss == 1360 && dumped.protocol == .boot)
            #expect(dumped.preferredSource == IPAddress("10.1.0.5") && dumped.identifiesSameRoute(as: route))

            #expect(throws: NetlinkError.self) { try netlink.addRoute(route) }
            var replaced = route
            replaced.gateway = IPAddress("10.1.0.2")
            try netlink.replaceRoute(replaced)
            #expect(try ns.ipJSON(["route", "show", "10.9.0.0/16"]).first?.string("gateway") == "10.1.0.2")

            let current = try #require(try netlink.routes(family: .v4).first { $0.destination.description == "10.9.0.0/16" })
            #expect(current.gateway == IPAddress("10.1.0.2"))
            try netlink.deleteRoute(current)  // the dumped form (protocol boot, metrics) deletes too
            #expect(try ns.ipJSON(["route", "show", "10.9.0.0/16"]).isEmpty)
            let missing = try #require(throws: NetlinkError.self) { try netlink.deleteRoute(route) }
            #expect(missing.isNotFound)
        }
    }

    @Test func tableScopeOnlinkAndIPv6() throws {
        try withRoutedLink { ns, netlink, link in
            try netlink.addRoute(Route(destination: IPNetwork("192.168.7.0/24")!, outputInterface: link.index, table: RouteTable(1000), scope: .link))
            let inTable = try #require(try ns.ipJSON(["route", "show", "table", "1000"]).first)
            #expect(inTable.string("dst") == "192.168.7.0/24" && inTable.string("scope") == "link")
            #expect(try netlink.routes(family: .v4, table: RouteTable(1000)).map(\.destination.description) == ["192.168.7.0/24"])
            #expect(try netlink.routes(family: .v4, table: RouteTable(4242)).isEmpty)  // table never created

            // onlink: a gateway outside every connected prefix.
            try netlink.addRoute(Route(destination: IPNetwork("172.16.0.0/12")!, gateway: IPAddress("192.0.2.1"), outputInterface: link.index, flags: .onLink))
            #expect(try ns.ipJSON(["route", "show", "172.16.0.0/12"]).first?.strings("flags").contains("onlink") == true)

            try netlink.addRoute(Route(destination: IPNetwork("::/0")!, gateway: IPAddress("fd00:1::1"), outputInterface: link.index, priority: 1024))
            let v6 = try #require(try ns.ipJSON(["-6", "route", "show", "default"]).first)
            #expect(v6.string("gateway") == "fd00:1::1" && v6.int("metric") == 1024)
            #expect(try netlink.routes(family: .v6).contains { $0.isDefault && $0.gateway == IPAddress("fd00:1::1") })
            #expect(try netlink.routes(family: .v4, outputInterface: link.index).allSatisfy { $0.outputInterface == link.index })
        }
    }

    @Test func routeGetAgreesWithIproute2() throws {
        try withRoutedLink { ns, netlink, link in
            try netlink.addRoute(Route(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.1.0.1"), outputInterface: link.index))
            let route = try netlink.route(to: IPAddress("198.51.100.7")!)
            let json = try #require(try ns.ipJSON(["route", "get", "198.51.100.7"]).first)
            #expect(route.outputInterface == link.index && json.string("dev") == "d0")
            #expect(route.gateway == IPAddress("10.1.0.1") && json.string("gateway") == "10.1.0.1")
            #expect(route.preferredSource == IPAddress("10.1.0.5") && json.string("prefsrc") == "10.1.0.5")
            #expect(route.destination.description == "198.51.100.7/32")

            let local = try netlink.route(to: RouteQuery(destination: IPAddress("10.1.0.5")!))
            #expect(local.type == .local)
            let v6 = try netlink.route(to: IPAddress("fd00:1::9")!)
            #expect(v6.outputInterface == link.index && v6.gateway == nil)
            let unreachable = try #require(throws: NetlinkError.self) { try netlink.route(to: IPAddress("2001:db8::1")!) }
            #expect(unreachable.errno.rawValue != 0)
        }
    }
}
