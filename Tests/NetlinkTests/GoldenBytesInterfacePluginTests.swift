import NetAddress
import Netlink
import Testing

/// The requests the single-interface plugins add, pinned byte for byte. Attribute contents are
/// iproute2 6.1's (strace of `ip link add link p0 name m0 mtu 1400 address 02:00:00:00:00:01 type
/// macvlan mode bridge`, `... bcqueuelen 100`, `ip link set dev x alias ""`); the order of the
/// top-level attributes and NLA_F_NESTED differ, which the kernel does not mind.
@Suite struct InterfacePluginRequestGoldenBytes {
    @Test func macvlanWithMTUAndAddress() {
        let spec = LinkSpec(name: "m0", type: .macvlan(mode: .bridge), parentIndex: 3, mtu: 1400, mac: MACAddress("02:00:00:00:00:01"))
        let request = NetlinkRequest.newLink(spec)
        #expect(hexString(request.bytes) == hexString(hex(
            "60000000 1000 0506 00000000 00000000",   // nlmsghdr: 96 B (iproute2's length too)
            "00 00 0000 00000000 00000000 00000000",
            "0700 0300 6d300000",                     // IFLA_IFNAME "m0"
            "0800 0400 78050000",                     // IFLA_MTU 1400
            "0a00 0100 020000000001 0000",            // IFLA_ADDRESS
            "0800 0500 03000000",                     // IFLA_LINK 3 (the master)
            "1c00 1280",                              // IFLA_LINKINFO, 28 B
            "0c00 0100 6d616376 6c616e00",            //   IFLA_INFO_KIND "macvlan" with its NUL (iproute2: without)
            "0c00 0280",                              //   IFLA_INFO_DATA, 12 B
            "0800 0100 04000000"                      //     IFLA_MACVLAN_MODE bridge (4)
        )))
        #expect(request.operation == "add link m0 (macvlan mode bridge)")
    }

    @Test func macvlanBroadcastQueueLength() {
        let bytes = NetlinkRequest.newLink(LinkSpec(name: "m1", type: .macvlan(mode: .passthru, broadcastQueueLength: 100), parentIndex: 3)).bytes
        // IFLA_INFO_DATA { IFLA_MACVLAN_MODE passthru (8), IFLA_MACVLAN_BC_QUEUE_LEN 100 }: iproute2 sends the same two.
        #expect(hexString(Array(bytes.suffix(20))) == hexString(hex("1400 0280", "0800 0100 08000000", "0800 0700 64000000")))
    }

    /// host-device's move: namespace, new name and alias in one `RTM_SETLINK`; an empty alias is
    /// an attribute without payload, as iproute2 sends it to remove one.
    @Test func moveRenameAndAlias() {
        let move = NetlinkRequest.setLink(index: 4, name: "uplink0", LinkChanges(name: "net1", alias: "uplink0", namespaceFD: 5))
        #expect(hexString(move.bytes) == hexString(hex(
            "40000000 1300 0500 00000000 00000000",   // nlmsghdr: 64 B, RTM_SETLINK, REQUEST|ACK
            "00 00 0000 04000000 00000000 00000000",  // ifinfomsg: index 4
            "0900 0300 6e657431 00000000",            // IFLA_IFNAME "net1"
            "0c00 1400 75706c69 6e6b3000",            // IFLA_IFALIAS "uplink0"
            "0800 1c00 05000000"                      // IFLA_NET_NS_FD 5
        )))
        let clear = NetlinkRequest.setLink(index: 4, name: "x0", LinkChanges(alias: ""))
        #expect(hexString(Array(clear.bytes.suffix(4))) == hexString(hex("0400 1400")))
    }

    @Test(arguments: [
        LinkType.macvlan(mode: .vepa), .macvlan(mode: .private, broadcastQueueLength: 42),
        .tun(TunInfo(isTap: true, vnetHeader: true, multiQueue: true, owner: 1000, group: nil)),
    ])
    func roundTrips(_ type: LinkType) throws {
        var link = Link(index: 7, name: "x0", kind: type.kind)
        link.linkType = type
        link.alias = "hostdev1"
        let decoded = try Link(message: link.message)
        #expect(decoded == link)
    }
}
