import NetAddress
import Netlink
import Testing

/// Every request builder pinned byte for byte. Segments: nlmsghdr (len, type, flags, seq, pid),
/// the family header, then each attribute (len, type, payload, padding). Host order is
/// little-endian (x86-64, aarch64).
@Suite struct LinkRequestGoldenBytes {
    @Test func getLinkByName() {
        let request = NetlinkRequest.getLink(name: "eth0")
        #expect(hexString(request.bytes) == hexString(hex(
            "34000000 1200 0500 00000000 00000000",   // nlmsghdr: 52 B, RTM_GETLINK, REQUEST|ACK
            "00 00 0000 00000000 00000000 00000000",  // ifinfomsg: AF_UNSPEC, index 0
            "0800 1d00 08000000",                     // IFLA_EXT_MASK = RTEXT_FILTER_SKIP_STATS
            "0900 0300 65746830 00000000"             // IFLA_IFNAME "eth0\0" + 3 B padding
        )))
        #expect(request.operation == "get link eth0")
    }

    @Test func getLinkByIndex() {
        #expect(hexString(NetlinkRequest.getLink(index: 7).bytes) == hexString(hex(
            "28000000 1200 0500 00000000 00000000",   // nlmsghdr: 40 B, RTM_GETLINK, REQUEST|ACK
            "00 00 0000 07000000 00000000 00000000",  // ifinfomsg: index 7
            "0800 1d00 08000000"                      // IFLA_EXT_MASK = RTEXT_FILTER_SKIP_STATS
        )))
    }

    @Test func dumpLinks() {
        #expect(hexString(NetlinkRequest.dumpLinks().bytes) == hexString(hex(
            "28000000 1200 0103 00000000 00000000",   // nlmsghdr: 40 B, RTM_GETLINK, REQUEST|DUMP (0x301)
            "00 00 0000 00000000 00000000 00000000",  // ifinfomsg
            "0800 1d00 08000000"                      // IFLA_EXT_MASK = RTEXT_FILTER_SKIP_STATS
        )))
    }

    @Test func newVethWithPeerInOtherNamespace() {
        // As VethPair sends it: queue length 0 on both ends, as the reference's veths have.
        let spec = VethSpec(
            name: "eth0", peerName: "veth1a2b3c4d", peerNamespaceFD: 5, mtu: 1400,
            mac: MACAddress("02:00:00:00:00:01"), txQueueLength: 0)
        let request = NetlinkRequest.newVeth(spec)
        #expect(hexString(request.bytes) == hexString(hex(
            "9c000000 1000 0506 00000000 00000000",   // nlmsghdr: 156 B, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
            "00 00 0000 00000000 00000000 00000000",  // ifinfomsg
            "0900 0300 65746830 00000000",            // IFLA_IFNAME "eth0"
            "0800 0400 78050000",                     // IFLA_MTU 1400
            "0800 0d00 00000000",                     // IFLA_TXQLEN 0
            "0a00 0100 020000000001 0000",            // IFLA_ADDRESS 02:00:00:00:00:01 + padding
            "5400 1280",                              // IFLA_LINKINFO (nested), 84 B
            "0900 0100 76657468 00000000",            //   IFLA_INFO_KIND "veth"
            "4400 0280",                              //   IFLA_INFO_DATA (nested), 68 B
            "4000 0180",                              //     VETH_INFO_PEER (nested), 64 B
            "00 00 0000 00000000 00000000 00000000",  //       ifinfomsg of the peer
            "1100 0300 76657468 31613262 33633464 00 000000", // IFLA_IFNAME "veth1a2b3c4d"
            "0800 0400 78050000",                     //       IFLA_MTU 1400
            "0800 0d00 00000000",                     //       IFLA_TXQLEN 0
            "0800 1c00 05000000"                      //       IFLA_NET_NS_FD 5
        )))
        #expect(request.operation == "add link eth0 (veth peer veth1a2b3c4d)")
    }

    @Test func newVethMinimal() {
        #expect(hexString(NetlinkRequest.newVeth(VethSpec(name: "a", peerName: "b")).bytes) == hexString(hex(
            "58000000 1000 0506 00000000 00000000",   // nlmsghdr: 88 B, RTM_NEWLINK, create exclusive
            "00 00 0000 00000000 00000000 00000000",  // ifinfomsg
            "0600 0300 6100 0000",                    // IFLA_IFNAME "a"
            "3000 1280",                              // IFLA_LINKINFO, 48 B
            "0900 0100 76657468 00000000",            //   IFLA_INFO_KIND "veth"
            "2000 0280",                              //   IFLA_INFO_DATA, 32 B
            "1c00 0180",                              //     VETH_INFO_PEER, 28 B
            "00 00 0000 00000000 00000000 00000000",  //       ifinfomsg
            "0600 0300 6200 0000"                     //       IFLA_IFNAME "b"
        )))
    }

    @Test func newBridge() {
        let request = NetlinkRequest.newBridge(BridgeSpec(name: "cni0", mtu: 9000, vlanFiltering: true))
        #expect(hexString(request.bytes) == hexString(hex(
            "50000000 1000 0506 00000000 00000000",   // nlmsghdr: 80 B, RTM_NEWLINK, create exclusive
            "00 00 0000 00000000 00000000 00000000",  // ifinfomsg
            "0900 0300 636e6930 00000000",            // IFLA_IFNAME "cni0"
            "0800 0400 28230000",                     // IFLA_MTU 9000
            "1c00 1280",                              // IFLA_LINKINFO, 28 B
            "0b00 0100 62726964 676500 00",           //   IFLA_INFO_KIND "bridge"
            "0c00 0280",                              //   IFLA_INFO_DATA, 12 B
            "0500 0700 01 000000"                     //     IFLA_BR_VLAN_FILTERING 1
        )))
    }

    @Test func newBridgeWithoutFilteringSendsNoBridgeData() {
        // Kernels without CONFIG_BRIDGE_VLAN_FILTERING refuse IFLA_BR_VLAN_FILTERING even as 0.
        #expect(hexString(NetlinkRequest.newBridge(BridgeSpec(name: "cni0")).bytes) == hexString(hex(
            "3c000000 1000 0506 00000000 00000000",   // nlmsghdr: 60 B, RTM_NEWLINK, create exclusive
            "00 00 0000 00000000 00000000 00000000",  // ifinfomsg
            "0900 0300 636e6930 00000000",            // IFLA_IFNAME "cni0"
            "1000 1280",                              // IFLA_LINKINFO, 16 B
            "0b00 0100 62726964 676500 00"            //   IFLA_INFO_KIND "bridge"
        )))
    }

    @Test func setLinkUpAndPromiscuousWithMTU() {
        let changes = LinkChanges(up: true, mtu: 1450, promiscuous: false)
        let request = NetlinkRequest.setLink(index: 3, name: "br0", changes)
        #expect(hexString(request.bytes) == hexString(hex(
            "28000000 1300 0500 00000000 00000000",   // nlmsghdr: 40 B, RTM_SETLINK, REQUEST|ACK
            "00 00 0000 03000000 01000000 01010000",  // ifinfomsg: index 3, flags IFF_UP, change IFF_UP|IFF_PROMISC
            "0800 0400 aa050000"                      // IFLA_MTU 1450
        )))
        #expect(request.operation == "set link br0 up mtu 1450 promisc off")
    }

    @Test func setLinkMACAndMaster() {
        let changes = LinkChanges(mac: MACAddress("0a:58:0a:f4:00:01"), masterIndex: 9)
        #expect(hexString(NetlinkRequest.setLink(index: 4, name: "veth0", changes).bytes) == hexString(hex(
            "34000000 1300 0500 00000000 00000000",   // nlmsghdr: 52 B, RTM_SETLINK
            "00 00 0000 04000000 00000000 00000000",  // ifinfomsg: index 4, no flag change
            "0a00 0100 0a580af40001 0000",            // IFLA_ADDRESS
            "0800 0a00 09000000"                      // IFLA_MASTER 9
        )))
        // nomaster is IFLA_MASTER 0.
        #expect(Array(NetlinkRequest.setLink(index: 4, name: "veth0", LinkChanges(masterIndex: 0)).bytes.suffix(8))
            == hex("0800 0a00 00000000"))
    }

    @Test func deleteLink() {
        #expect(hexString(NetlinkRequest.deleteLink(index: 12, name: "veth0").bytes) == hexString(hex(
            "20000000 1100 0500 00000000 00000000",   // nlmsghdr: 32 B, RTM_DELLINK, REQUEST|ACK
            "00 00 0000 0c000000 00000000 00000000"   // ifinfomsg: index 12
        )))
    }

    /// Identical to iproute2 6.1's `bridge link set dev p0 hairpin on isolated on learning off`
    /// (traced with strace; port index 4).
    @Test func setBridgePortFlagsMatchesIproute2() {
        let flags = BridgePortFlags(hairpin: true, isolated: true, learning: false)
        #expect(hexString(NetlinkRequest.setBridgePort(index: 4, name: "p0", flags).bytes) == hexString(hex(
            "3c000000 1300 0500 00000000 00000000",   // nlmsghdr: 60 B, RTM_SETLINK, REQUEST|ACK
            "07 00 0000 04000000 00000000 00000000",  // ifinfomsg: AF_BRIDGE, index 4
            "1c00 0c80",                              // IFLA_PROTINFO (nested), 28 B
            "0500 0400 01 000000",                    //   IFLA_BRPORT_MODE (hairpin) 1
            "0500 0800 00 000000",                    //   IFLA_BRPORT_LEARNING 0
            "0500 2100 01 000000"                     //   IFLA_BRPORT_ISOLATED 1
        )))
    }

    /// The add is identical to iproute2 6.1's `bridge vlan add dev p0 vid 100 pvid untagged master`
    /// (traced with strace; port index 4). This kernel lacks VLAN filtering, so these bytes are
    /// the strongest check available here.
    @Test func bridgeVLANAddAndDeleteMatchIproute2() {
        let add = NetlinkRequest.bridgeVLAN(add: true, .access(100), port: 4, name: "p0")
        #expect(hexString(add.bytes) == hexString(hex(
            "34000000 1300 0500 00000000 00000000",   // nlmsghdr: 52 B, RTM_SETLINK, REQUEST|ACK
            "07 00 0000 04000000 00000000 00000000",  // ifinfomsg: AF_BRIDGE, index 4
            "1400 1a00",                              // IFLA_AF_SPEC, 20 B (no NLA_F_NESTED, as iproute2)
            "0600 0000 0100 0000",                    //   IFLA_BRIDGE_FLAGS = BRIDGE_FLAGS_MASTER
            "0800 0200 0600 6400"                     //   IFLA_BRIDGE_VLAN_INFO flags PVID|UNTAGGED, vid 100
        )))
        #expect(add.operation == "add vlan 100 on bridge port p0")
        let delete = NetlinkRequest.bridgeVLAN(add: false, .tagged(1), port: 4, name: "p0")
        #expect(hexString(delete.bytes) == hexString(hex(
            "34000000 1100 0500 00000000 00000000",   // nlmsghdr: RTM_DELLINK
            "07 00 0000 04000000 00000000 00000000",
            "1400 1a00",
            "0600 0000 0100 0000",
            "0800 0200 0000 0100"                     //   vid 1, no flags
        )))
    }

    /// Identical to iproute2 6.1's `bridge vlan show` dump request (traced with strace).
    @Test func dumpBridgeVLANsMatchesIproute2() {
        #expect(hexString(NetlinkRequest.dumpBridgeVLANs().bytes) == hexString(hex(
            "28000000 1200 0103 00000000 00000000",   // RTM_GETLINK dump
            "07 00 0000 00000000 00000000 00000000",  // ifinfomsg: AF_BRIDGE
            "0800 1d00 02000000"                      // IFLA_EXT_MASK = RTEXT_FILTER_BRVLAN
        )))
    }
}
