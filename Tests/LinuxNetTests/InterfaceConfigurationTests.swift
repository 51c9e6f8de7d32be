import CNITestSupport
import Foundation
import LinuxNet
import NetAddress
import Netlink
import Testing

@Suite struct InterfaceConfigurationLogicTests {
    @Test func routesWithoutGatewayUseTheFirstGatewayOfTheirFamily() {
        let configuration = InterfaceConfiguration(
            interfaceName: "eth0",
            addresses: [
                .init(address: IPNetwork("10.1.0.5/24")!),
                .init(address: IPNetwork("10.2.0.5/24")!, gateway: IPAddress("10.2.0.1")),
                .init(address: IPNetwork("10.3.0.5/24")!, gateway: IPAddress("10.3.0.1")),
                .init(address: IPNetwork("fd00::5/64")!, gateway: IPAddress("fd00::1")),
            ])
        #expect(configuration.defaultGateway(for: .v4) == IPAddress("10.2.0.1"))
        #expect(configuration.defaultGateway(for: .v6) == IPAddress("fd00::1"))
        #expect(InterfaceConfiguration(interfaceName: "eth0", addresses: []).defaultGateway(for: .v4) == nil)
    }
}

@Suite(.enabled(if: isPrivileged)) struct InterfaceConfigurationKernelTests {
    /// A veth pair between the two namespaces; the host end is up, so the container end goes
    /// operationally up as soon as it is set up.
    private func withContainerVeth(_ body: (TestNamespace, TestNamespace, NetworkStack, VethPair) throws -> Void) throws {
        try withHostAndContainer { hostNS, ctrNS, host, container in
            let pair = try VethPair.create(VethPair.Configuration(containerName: "eth0", container: container, host: host))
            try body(hostNS, ctrNS, container, pair)
        }
    }

    @Test func appliesAddressesRoutesAndSysctlsLikeConfigureIface() throws {
        try withContainerVeth { _, ctrNS, container, _ in
            try container.namespace.setSysctl("net/ipv6/conf/lo/disable_ipv6", to: "1")
            let configuration = InterfaceConfiguration(
                interfaceName: "eth0",
                addresses: [
                    .init(address: IPNetwork("10.22.0.5/16")!, gateway: IPAddress("10.22.0.1")),
                    .init(address: IPNetwork("fd00:22::5/64")!, gateway: IPAddress("fd00:22::1")),
                ],
                routes: [
                    .init(destination: IPNetwork("0.0.0.0/0")!),
                    .init(destination: IPNetwork("::/0")!),
                    .init(destination: IPNetwork("10.50.0.0/16")!, gateway: IPAddress("10.22.0.2"), metric: 50, mtu: 1400, advmss: 1360),
                    .init(destination: IPNetwork("10.60.0.0/16")!, table: 100),
                    .init(destination: IPNetwork("10.70.0.0/16")!, gateway: IPAddress("0.0.0.0"), scope: .link),
                ])
            let link = try configuration.apply(in: container)

            #expect(link.isUp && link.isOperationallyUp)
            #expect(try ctrNS.sysctl("net/ipv6/conf/lo/disable_ipv6") == "0")
            #expect(try ctrNS.sysctl("net/ipv6/conf/eth0/disable_ipv6") == "0")
            #expect(try ctrNS.sysctl("net/ipv6/conf/eth0/keep_addr_on_down") == "1")

            let addresses = try ctrNS.addresses("eth0")
            #expect(addresses.contains { $0["local"] as? String == "10.22.0.5" && $0["prefixlen"] as? Int == 16 })
            let v6 = try #require(addresses.first { $0["local"] as? String == "fd00:22::5" })
            #expect(v6["tentative"] == nil)  // settled before apply returned

            let v4Default = try #require(try ctrNS.ipJSON(["route", "show", "default"]).first)
            #expect(v4Default["gateway"] as? String == "10.22.0.1" && v4Default["dev"] as? String == "eth0")
            let v6Default = try #require(try ctrNS.ipJSON(["-6", "route", "show", "default"]).first)
            #expect(v6Default["gateway"] as? String == "fd00:22::1")
            let metricRoute = try #require(try ctrNS.ipJSON(["route", "show", "10.50.0.0/16"]).first)
            #expect(metricRoute["gateway"] as? String == "10.22.0.2" && metricRoute["metric"] as? Int == 50)
            let metrics = (metricRoute["metrics"] as? [[String: Any]]) ?? []
            #expect(metrics.contains { $0["mtu"] as? Int == 1400 } && metrics.contains { $0["advmss"] as? Int == 1360 })
            let tableRoute = try #require(try ctrNS.ipJSON(["route", "show", "table", "100"]).first)
            #expect(tableRoute["dst"] as? String == "10.60.0.0/16" && tableRoute["gateway"] as? String == "10.22.0.1")
            let linkRoute = try #require(try ctrNS.ipJSON(["route", "show", "10.70.0.0/16"]).first)
            #expect(linkRoute["scope"] as? String == "link")
        }
    }

    /// Routes are appended (the reference's RouteAddEcmp): an identical route is accepted, a route
    /// to the same destination through another next hop is added beside it.
    @Test func identicalExistingRouteIsAcceptedOtherNextHopIsAppended() throws {
        try withContainerVeth { _, ctrNS, container, _ in
            try ctrNS.ip("addr", "add", "10.22.0.9/16", "dev", "eth0")
            try ctrNS.ip("link", "set", "eth0", "up")
            try ctrNS.ip("route", "add", "10.80.0.0/16", "via", "10.22.0.1", "dev", "eth0")
            let same = InterfaceConfiguration(
                interfaceName: "eth0", addresses: [.init(address: IPNetwork("10.22.0.5/16")!, gateway: IPAddress("10.22.0.1"))],
                routes: [.init(destination: IPNetwork("10.80.0.0/16")!)])
            try same.apply(in: container)
            #expect(try ctrNS.ipJSON(["route", "show", "10.80.0.0/16"]).count == 1)

            try ctrNS.ip("route", "add", "10.90.0.0/16", "via", "10.22.0.3", "dev", "eth0")
            let other = InterfaceConfiguration(
                interfaceName: "eth0", addresses: [.init(address: IPNetwork("10.22.0.6/16")!, gateway: IPAddress("10.22.0.1"))],
                routes: [.init(destination: IPNetwork("10.90.0.0/16")!)])
            try other.apply(in: container)
            let gateways = try ctrNS.ipJSON(["route", "show", "10.90.0.0/16"]).compactMap { $0["gateway"] as? String }
            #expect(Set(gateways) == ["10.22.0.1", "10.22.0.3"])
        }
    }

    @Test func missingInterface() throws {
        try withHostAndContainer { _, _, _, container in
            let error = try #require(throws: InterfaceError.self) {
                try InterfaceConfiguration(interfaceName: "eth9", addresses: []).apply(in: container)
            }
            #expect(error.code == .linkNotFound && error.interface == "eth9")
        }
    }

    @Test func duplicateAddressIsDADFailed() throws {
        try withContainerVeth { hostNS, ctrNS, container, pair in
            // The host end already owns the address, so the container's DAD probe is answered.
            try hostNS.ip("addr", "add", "fd00:33::5/64", "dev", pair.host.name, "nodad")
            try ctrNS.ip("link", "set", "eth0", "up")
            try container.namespace.setSysctl("net/ipv6/conf/eth0/accept_dad", to: "1")
            let configuration = InterfaceConfiguration(
                interfaceName: "eth0", addresses: [.init(address: IPNetwork("fd00:33::5/64")!, gateway: IPAddress("fd00:33::1"))])
            let error = try #require(throws: InterfaceError.self) { try configuration.apply(in: container) }
            #expect(error.code == .duplicateAddress)
            #expect(error.description == "link eth0 has address fd00:33::5 in DADFAILED state")
        }
    }

    @Test func settleTimeoutIsAnErrorOnlyWhileTheLinkIsUp() throws {
        try withContainerVeth { hostNS, _, container, pair in
            try container.namespace.setSysctl("net/ipv6/conf/eth0/accept_dad", to: "1")
            try container.namespace.setSysctl("net/ipv6/conf/eth0/dad_transmits", to: "50")  // DAD takes 50 s
            let configuration = InterfaceConfiguration(
                interfaceName: "eth0", addresses: [.init(address: IPNetwork("fd00:44::5/64")!, gateway: IPAddress("fd00:44::1"))],
                settleTimeout: .milliseconds(300))
            let error = try #require(throws: InterfaceError.self) { try configuration.apply(in: container) }
            #expect(error.code == .settleTimeout)

            // With the host end down the container end has no carrier: tentative forever is not an error.
            try hostNS.ip("link", "set", pair.host.name, "down")
            try container.netlink.deleteAddress(Address(IPNetwork("fd00:44::5/64")!, index: pair.container.index))
            let link = try configuration.apply(in: container)
            #expect(!link.isOperationallyUp)
        }
    }
}
