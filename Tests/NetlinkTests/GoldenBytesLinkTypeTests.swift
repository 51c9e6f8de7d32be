import NetAddress
import Netlink
import Testing

/// `RTM_NEWLINK` for the kinds without a peer (``LinkType``), pinned byte for byte. The kind data
/// carries the same attributes and values as iproute2 6.1's `ip link add ... type <kind>` (traced
/// with strace); iproute2 orders the top-level attributes differently and leaves `NLA_F_NESTED`
/// off, which the kernel does not mind. This kernel lacks these kinds: the VM suite
/// (`LinkTypeVMTests`) creates each one for real.
@Suite struct LinkTypeRequestGoldenBytes {
    @Test func dummy() {
        let request = NetlinkRequest.newLink(LinkSpec(name: "d0", type: .dummy))
        #expect(hexString(request.bytes) == hexString(hex(
            "38000000 1000 0506 00000000 00000000",   // nlmsghdr: 56 B, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
            "00 00 0000 00000000 00000000 00000000",  // ifinfomsg
            "0700 0300 64300000",                     // IFLA_IFNAME "d0"
            "1000 1280",                              // IFLA_LINKINFO (nested), 16 B
            "0a00 0100 64756d6d 79000000"             //   IFLA_INFO_KIND "dummy", no IFLA_INFO_DATA
        )))
        #expect(request.operation == "add link d0 (dummy)")
    }

    @Test func dummyWithMTUAndAddress() {
        let spec = LinkSpec(name: "d0", type: .dummy, mtu: 1400, mac: MACAddress("02:00:00:00:00:01"))
        #expect(hexString(NetlinkRequest.newLink(spec).bytes) == hexString(hex(
            "4c000000 1000 0506 00000000 00000000",   // nlmsghdr: 76 B (iproute2's length too)
            "00 00 0000 00000000 00000000 00000000",
            "0700 0300 64300000",                     // IFLA_IFNAME "d0"
            "0800 0400 78050000",                     // IFLA_MTU 1400
            "0a00 0100 020000000001 0000",            // IFLA_ADDRESS 02:00:00:00:00:01
            "1000 1280",
            "0a00 0100 64756d6d 79000000"
        )))
    }

    @Test func vlanOnParentIntoAnotherNamespace() {
        let spec = LinkSpec(name: "v0", type: .vlan(id: 100), parentIndex: 2, namespaceFD: 5, mtu: 1400)
        let request = NetlinkRequest.newLink(spec)
        #expect(hexString(request.bytes) == hexString(hex(
            "5c000000 1000 0506 00000000 00000000",   // nlmsghdr: 92 B
            "00 00 0000 00000000 00000000 00000000",
            "0700 0300 76300000",                     // IFLA_IFNAME "v0"
            "0800 0400 78050000",                     // IFLA_MTU 1400
            "0800 0500 02000000",                     // IFLA_LINK 2 (the parent)
            "0800 1c00 05000000",                     // IFLA_NET_NS_FD 5
            "1c00 1280",                              // IFLA_LINKINFO, 28 B
            "0900 0100 766c616e 00000000",            //   IFLA_INFO_KIND "vlan"
            "0c00 0280",                              //   IFLA_INFO_DATA, 12 B
            "0600 0100 6400 0000"                     //     IFLA_VLAN_ID 100 (u16)
        )))
        #expect(request.operation == "add link v0 (vlan id 100)")
    }

    @Test func ipvlanModeAndFlag() {
        let spec = LinkSpec(name: "i0", type: .ipvlan(mode: .l3s, flag: .private), parentIndex: 2)
        let request = NetlinkRequest.newLink(spec)
        #expect(hexString(request.bytes) == hexString(hex(
            "54000000 1000 0506 00000000 00000000",   // nlmsghdr: 84 B (iproute2's length too)
            "00 00 0000 00000000 00000000 00000000",
            "0700 0300 69300000",                     // IFLA_IFNAME "i0"
            "0800 0500 02000000",                     // IFLA_LINK 2
            "2400 1280",                              // IFLA_LINKINFO, 36 B
            "0b00 0100 6970766c 616e0000",            //   IFLA_INFO_KIND "ipvlan"
            "1400 0280",                              //   IFLA_INFO_DATA, 20 B
            "0600 0100 0200 0000",                    //     IFLA_IPVLAN_MODE l3s (2)
            "0600 0200 0100 0000"                     //     IFLA_IPVLAN_FLAGS private (1)
        )))
        #expect(request.operation == "add link i0 (ipvlan mode l3s private)")
        // The defaults, as `ip link add link X name Y type ipvlan mode l2` sends them: flags 0 too.
        let l2 = NetlinkRequest.newLink(LinkSpec(name: "i0", type: .ipvlan(mode: .l2), parentIndex: 2)).bytes
        #expect(hexString(Array(l2.suffix(16))) == hexString(hex("0600 0100 0000 0000", "0600 0200 0000 0000")))
    }

    @Test func vrfTable() {
        let request = NetlinkRequest.newLink(LinkSpec(name: "vrf0", type: .vrf(table: 100)))
        #expect(hexString(request.bytes) == hexString(hex(
            "44000000 1000 0506 00000000 00000000",   // nlmsghdr: 68 B (iproute2's length too)
            "00 00 0000 00000000 00000000 00000000",
            "0900 0300 76726630 00000000",            // IFLA_IFNAME "vrf0"
            "1800 1280",                              // IFLA_LINKINFO, 24 B
            "0800 0100 76726600",                     //   IFLA_INFO_KIND "vrf"
            "0c00 0280",                              //   IFLA_INFO_DATA, 12 B
            "0800 0100 64000000"                      //     IFLA_VRF_TABLE 100
        )))
    }

    /// What `RTM_NEWLINK` replies carry decodes back into the same ``LinkType``.
    @Test(arguments: [
        LinkType.dummy, .vlan(id: 4094), .ipvlan(mode: .l2), .ipvlan(mode: .l3, flag: .vepa), .vrf(table: 1001),
    ])
    func linkTypeRoundTrips(_ type: LinkType) throws {
        var link = Link(index: 5, name: "x0", kind: type.kind)
        link.linkType = type
        let decoded = try Link(message: link.message)
        #expect(decoded == link)
        #expect(decoded.linkType == type && decoded.kind == type.kind)
    }
}
