import NetAddress
import Netlink
import Testing

@Suite struct AddressRequestGoldenBytes {
    @Test func newIPv4AddressGetsBroadcast() {
        let address = Address(IPNetwork("10.22.0.5/16")!, index: 3)
        let request = NetlinkRequest.newAddress(address)
        #expect(hexString(request.bytes) == hexString(hex(
            "30000000 1400 0506 00000000 00000000",   // nlmsghdr: 48 B, RTM_NEWADDR, create exclusive
            "02 10 00 00 03000000",                   // ifaddrmsg: AF_INET, /16, flags 0, scope universe, index 3
            "0800 0200 0a160005",                     // IFA_LOCAL 10.22.0.5
            "0800 0100 0a160005",                     // IFA_ADDRESS 10.22.0.5
            "0800 0400 0a16ffff"                      // IFA_BROADCAST 10.22.255.255
        )))
        #expect(request.operation == "add address 10.22.0.5/16 to link #3")
    }

    @Test func newIPv6AddressWithFlags() {
        let address = Address(IPNetwork("fd00::5/64")!, index: 2, flags: [.noDAD, .noPrefixRoute])
        #expect(hexString(NetlinkRequest.newAddress(address).bytes) == hexString(hex(
            "48000000 1400 0506 00000000 00000000",   // nlmsghdr: 72 B, RTM_NEWADDR
            "0a 40 02 00 02000000",                   // ifaddrmsg: AF_INET6, /64, IFA_F_NODAD (low byte), index 2
            "1400 0200 fd000000 00000000 00000000 00000005", // IFA_LOCAL fd00::5
            "1400 0100 fd000000 00000000 00000000 00000005", // IFA_ADDRESS fd00::5
            "0800 0800 02020000"                      // IFA_FLAGS NODAD|NOPREFIXROUTE (0x202)
        )))
    }

    @Test func pointToPointAddressHasNoBroadcast() {
        let address = Address(IPNetwork("169.254.1.1/32")!, index: 4, peer: IPAddress("10.0.0.1"))
        #expect(hexString(NetlinkRequest.newAddress(address).bytes) == hexString(hex(
            "28000000 1400 0506 00000000 00000000",   // nlmsghdr: 40 B
            "02 20 00 00 04000000",                   // ifaddrmsg: /32
            "0800 0200 a9fe0101",                     // IFA_LOCAL 169.254.1.1
            "0800 0100 0a000001"                      // IFA_ADDRESS (peer) 10.0.0.1
        )))
    }

    @Test func deleteAddress() {
        let address = Address(IPNetwork("10.22.0.5/16")!, index: 3, flags: .permanent)
        #expect(hexString(NetlinkRequest.deleteAddress(address).bytes) == hexString(hex(
            "28000000 1500 0500 00000000 00000000",   // nlmsghdr: 40 B, RTM_DELADDR, REQUEST|ACK
            "02 10 00 00 03000000",                   // ifaddrmsg (flags not sent)
            "0800 0200 0a160005",                     // IFA_LOCAL
            "0800 0100 0a160005"                      // IFA_ADDRESS
        )))
    }

    @Test func dumpAddressesOfOneLink() {
        #expect(hexString(NetlinkRequest.dumpAddresses(family: .v6, index: 9).bytes) == hexString(hex(
            "18000000 1600 0103 00000000 00000000",   // nlmsghdr: 24 B, RTM_GETADDR dump
            "0a 00 00 00 09000000"                    // ifaddrmsg: AF_INET6, index 9
        )))
    }
}

@Suite struct RouteRequestGoldenBytes {
    @Test func addDefaultRouteViaGateway() {
        let route = Route(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.1.0.1"), outputInterface: 2)
        let request = NetlinkRequest.newRoute(route)
        #expect(hexString(request.bytes) == hexString(hex(
            "2c000000 1800 0506 00000000 00000000",   // nlmsghdr: 44 B, RTM_NEWROUTE, create exclusive
            "02 00 00 00 fe 03 00 01 00000000",       // rtmsg: AF_INET, dst /0, table main, proto boot, scope universe, unicast
            "0800 0500 0a010001",                     // RTA_GATEWAY 10.1.0.1
            "0800 0400 02000000"                      // RTA_OIF 2
        )))
        #expect(request.operation == "add route 0.0.0.0/0 via 10.1.0.1 dev #2")
    }

    @Test func replaceRouteWithEverything() {
        var route = Route(
            destination: IPNetwork("10.2.3.0/24")!, gateway: IPAddress("10.1.0.1"), outputInterface: 2,
            table: RouteTable(1000), priority: 100, scope: .universe, preferredSource: IPAddress("10.1.0.5"),
            flags: .onLink, mtu: 1400, advmss: 1360)
        route.tos = 0
        #expect(hexString(NetlinkRequest.newRoute(route, replace: true).bytes) == hexString(hex(
            "60000000 1800 0505 00000000 00000000",   // nlmsghdr: 96 B, RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE
            "02 18 00 00 00 03 00 01 04000000",       // rtmsg: /24, table UNSPEC (id > 255), boot, universe, unicast, RTNH_F_ONLINK
            "0800 0100 0a020300",                     // RTA_DST 10.2.3.0
            "0800 0700 0a010005",                     // RTA_PREFSRC 10.1.0.5
            "0800 0500 0a010001",                     // RTA_GATEWAY 10.1.0.1
            "0800 0400 02000000",                     // RTA_OIF 2
            "0800 0600 64000000",                     // RTA_PRIORITY 100
            "0800 0f00 e8030000",                     // RTA_TABLE 1000
            "1400 0880",                              // RTA_METRICS (nested), 20 B
            "0800 0200 78050000",                     //   RTAX_MTU 1400
            "0800 0800 50050000"                      //   RTAX_ADVMSS 1360
        )))
    }

    @Test func addIPv6ScopeLinkRoute() {
        let route = Route(destination: IPNetwork("fd00::1/128")!, outputInterface: 5, scope: .link)
        #expect(hexString(NetlinkRequest.newRoute(route).bytes) == hexString(hex(
            "38000000 1800 0506 00000000 00000000",   // nlmsghdr: 56 B
            "0a 80 00 00 fe 03 fd 01 00000000",       // rtmsg: AF_INET6, /128, main, boot, scope link, unicast
            "1400 0100 fd000000 00000000 00000000 00000001", // RTA_DST fd00::1
            "0800 0400 05000000"                      // RTA_OIF 5
        )))
    }

    @Test func deleteRouteLeavesScopeProtocolTypeOpen() {
        let route = Route(
            destination: IPNetwork("10.2.3.7/24")!, gateway: IPAddress("10.1.0.1"), priority: 5, protocol: .kernel,
            preferredSource: IPAddress("10.1.0.9"), mtu: 1300)
        #expect(hexString(NetlinkRequest.deleteRoute(route).bytes) == hexString(hex(
            "34000000 1900 0500 00000000 00000000",   // nlmsghdr: 52 B, RTM_DELROUTE, REQUEST|ACK
            "02 18 00 00 fe 00 ff 00 00000000",       // rtmsg: /24, main, proto unspec, scope nowhere, type unspec
            "0800 0100 0a020300",                     // RTA_DST 10.2.3.0 (host bits cleared)
            "0800 0500 0a010001",                     // RTA_GATEWAY
            "0800 0600 05000000"                      // RTA_PRIORITY 5
        )))
    }

    @Test func dumpRoutesOfTable() {
        #expect(hexString(NetlinkRequest.dumpRoutes(family: .v4, table: .main).bytes) == hexString(hex(
            "24000000 1a00 0103 00000000 00000000",   // nlmsghdr: 36 B, RTM_GETROUTE dump
            "02 00 00 00 00 00 00 00 00000000",       // rtmsg: AF_INET only
            "0800 0f00 fe000000"                      // RTA_TABLE main (strict-check filter)
        )))
    }

    @Test func getRoute() {
        let query = RouteQuery(destination: IPAddress("192.0.2.1")!, outputInterface: 3)
        let request = NetlinkRequest.getRoute(query)
        #expect(hexString(request.bytes) == hexString(hex(
            "2c000000 1a00 0500 00000000 00000000",   // nlmsghdr: 44 B, RTM_GETROUTE, REQUEST|ACK
            "02 20 00 00 00 00 00 00 00000000",       // rtmsg: AF_INET, dst /32, everything else 0 (strict check)
            "0800 0100 c0000201",                     // RTA_DST 192.0.2.1
            "0800 0400 03000000"                      // RTA_OIF 3
        )))
        #expect(request.operation == "get route to 192.0.2.1")
    }
}
