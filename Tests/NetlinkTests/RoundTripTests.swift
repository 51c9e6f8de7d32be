import NetAddress
import Netlink
import Testing

/// Decode real kernel replies, re-encode, decode again: the typed value must survive. Then the
/// same for constructed values that use every optional field.
@Suite struct RoundTripTests {
    private func message(_ type: UInt16, _ payload: [UInt8]) -> NetlinkMessage {
        NetlinkMessage(type: type, payload: payload)
    }

    @Test func kernelVethBridgePort() throws {
        let link = try Link(message: message(16, KernelCaptures.vethPort))
        #expect(link.index == 2 && link.name == "veth1a2b3c4d" && link.kind == .veth)
        #expect(link.mtu == 1500 && link.hardwareType == 1 && link.operState == .down && !link.isUp)
        #expect(link.flags.isSuperset(of: [.broadcast, .multicast]))
        #expect(link.mac == MACAddress("7e:73:a4:6e:aa:ff"))
        #expect(link.masterIndex == 4 && link.linkIndex == 3 && link.linkNetNSID == nil)
        #expect(link.bridgePort == BridgePortInfo(state: 0, hairpin: false, isolated: false, learning: true))
        #expect(link.bridge == nil)
        #expect(try Link(message: link.message) == link)
    }

    @Test func kernelBridge() throws {
        let bridge = try Link(message: message(16, KernelCaptures.bridge))
        #expect(bridge.index == 4 && bridge.name == "br0" && bridge.kind == .bridge)
        #expect(bridge.bridge?.vlanFiltering == false && bridge.bridgePort == nil && bridge.masterIndex == nil)
        #expect(try Link(message: bridge.message) == bridge)
    }

    @Test func kernelAddresses() throws {
        let v4 = try Address(message: message(20, KernelCaptures.ipv4Address))
        #expect(v4.network == IPNetwork("10.22.0.5/16") && v4.index == 3 && v4.scope == .universe)
        #expect(v4.flags == .permanent && v4.label == "eth0" && v4.peer == nil && v4.broadcast == nil)
        #expect(try Address(message: v4.message) == v4)

        let v6 = try Address(message: message(20, KernelCaptures.ipv6Address))
        #expect(v6.network == IPNetwork("fd00:22::5/64") && v6.family == .v6)
        #expect(v6.flags == [.permanent, .noDAD] && !v6.isTentative && !v6.isDADFailed && v6.label == nil)
        #expect(try Address(message: v6.message) == v6)
    }

    @Test func kernelRoute() throws {
        let route = try Route(message: message(24, KernelCaptures.route))
        #expect(route.destination == IPNetwork("10.50.0.0/16") && route.gateway == IPAddress("10.22.0.1"))
        #expect(route.outputInterface == 3 && route.priority == 50 && route.table == .main)
        #expect(route.protocol == .boot && route.scope == .universe && route.type == .unicast)
        #expect(route.mtu == 1400 && route.advmss == 1360 && route.preferredSource == nil)
        #expect(route.flags == .linkDown)  // eth0 was up, its peer down
        #expect(try Route(message: route.message) == route)
    }

    @Test func constructedLinkWithEveryField() throws {
        var link = Link(
            index: 9, name: "vethx", kind: .other("macvlan"), flags: [.up, .running, .lowerUp, .promiscuous],
            operState: .up, mtu: 9000, mac: MACAddress("02:00:00:00:00:09"), hardwareType: 1)
        link.masterIndex = 4
        link.linkIndex = 17
        link.linkNetNSID = 2
        link.bridgePort = BridgePortInfo(state: 3, hairpin: true, isolated: true, learning: false)
        #expect(try Link(message: link.message) == link)
        var bridge = Link(index: 4, name: "cni0", kind: .bridge)
        bridge.bridge = BridgeInfo(vlanFiltering: true, defaultPVID: 1)
        #expect(try Link(message: bridge.message) == bridge)
    }

    @Test func constructedAddressesAndRoutes() throws {
        let addresses = [
            Address(IPNetwork("169.254.1.1/32")!, index: 3, flags: [.noPrefixRoute], scope: .link, peer: IPAddress("10.0.0.1"), label: "eth0:1"),
            Address(IPNetwork("10.1.2.3/24")!, index: 3, broadcast: IPAddress("10.1.2.255")),
            Address(IPNetwork("fd00::1/64")!, index: 7, flags: [.noDAD, .tentative, .dadFailed], scope: .universe),
        ]
        for address in addresses { #expect(try Address(message: address.message) == address) }

        let routes = [
            Route(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.1.0.1"), outputInterface: 2),
            Route(
                destination: IPNetwork("10.2.0.0/16")!, gateway: IPAddress("192.0.2.1"), outputInterface: 2,
                table: RouteTable(1000), priority: 7, scope: .universe, protocol: .static, type: .unicast,
                preferredSource: IPAddress("10.1.0.5"), flags: .onLink, mtu: 1400, advmss: 1360, tos: 16),
            Route(destination: IPNetwork("fd00::/64")!, outputInterface: 5, scope: .link, protocol: .kernel),
            Route(destination: IPNetwork("10.9.9.0/24")!, table: .local, scope: .host, type: .blackhole),
        ]
        for route in routes { #expect(try Route(message: route.message) == route) }
    }

    @Test func bridgeVLANDumpEntry() throws {
        // An AF_BRIDGE RTM_NEWLINK as `bridge vlan show` receives it: IFLA_AF_SPEC with two VLAN infos.
        let payload = hex(
            "07 00 0100 06000000 43100100 00000000",  // ifinfomsg: AF_BRIDGE, index 6, UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP
            "0a00 0300 76657468 30000000",            // IFLA_IFNAME "veth0"
            "0800 0a00 04000000",                     // IFLA_MASTER 4
            "1400 1a80",                              // IFLA_AF_SPEC
            "0800 0200 0600 6400",                    //   IFLA_BRIDGE_VLAN_INFO PVID|UNTAGGED 100
            "0800 0200 0000 c800")                    //   IFLA_BRIDGE_VLAN_INFO 200
        let port = try BridgePortVLANs(message: message(16, payload))
        #expect(port.index == 6 && port.name == "veth0" && port.masterIndex == 4)
        #expect(port.vlans == [.access(100), .tagged(200)])
        #expect(port.vlans.map(\.description) == ["100 PVID Egress Untagged", "200"])
    }

    @Test func truncatedFixedHeadersAreDecodingErrors() {
        #expect(throws: NetlinkDecodingError.self) { try Link(message: self.message(16, [0, 0, 1])) }
        #expect(throws: NetlinkDecodingError.self) { try Address(message: self.message(20, [2, 24, 0])) }
        #expect(throws: NetlinkDecodingError.self) { try Route(message: self.message(24, [2])) }
        // An address message without any address attribute.
        #expect(throws: NetlinkDecodingError.self) { try Address(message: self.message(20, hex("02 18 00 00 03000000"))) }
        // A route whose family is neither IPv4 nor IPv6.
        #expect(throws: NetlinkDecodingError.self) { try Route(message: self.message(24, hex("07 00 00 00 fe 03 00 01 00000000"))) }
    }
}
