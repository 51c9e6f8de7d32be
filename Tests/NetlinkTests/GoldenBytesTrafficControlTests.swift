import NetAddress
import Netlink
import Testing

/// Traffic-control requests pinned byte for byte to what iproute2 6.1's `tc` sends for the same
/// command (traced with strace, sequence zeroed), for the pieces the bandwidth plugin uses: an HTB
/// qdisc and its classes, the ingress qdisc, a `u32` filter with a `mirred` redirect, `u32`
/// subnet matches. The one difference is documented in `TrafficControl+Coding.swift`: `tc` adds
/// two 1028-byte rate-table attributes to each class, which are left out here (the lengths below
/// are iproute2's minus those 2056 bytes).
@Suite struct TrafficControlGoldenBytes {
    @Test func htbQdisc() {
        // tc qdisc add dev va root handle 1: htb default 30
        let request = NetlinkRequest.newQdisc(Qdisc(
            interfaceIndex: 3, handle: TCHandle(major: 1, minor: 0), parent: .root, kind: .htb(HTBQdiscOptions(defaultClass: 0x30))))
        #expect(hexString(request.bytes) == hexString(hex(
            "48000000 2400 0506 00000000 00000000",   // nlmsghdr: 72 B, RTM_NEWQDISC, REQUEST|ACK|EXCL|CREATE
            "00 00 0000 03000000 00000100 ffffffff 00000000",  // tcmsg: dev #3, handle 1:, parent root
            "0800 0100 68746200",                     // TCA_KIND "htb"
            "1c00 0200",                              // TCA_OPTIONS (no NLA_F_NESTED, as tc sends it)
            "1800 0200 03000000 0a000000 30000000 00000000 00000000"  // TCA_HTB_INIT: v3, r2q 10, default 0x30
        )))
        #expect(request.operation == "add qdisc htb 1: on #3 root")
    }

    @Test func ingressQdisc() {
        // tc qdisc add dev va ingress
        let request = NetlinkRequest.newQdisc(Qdisc(
            interfaceIndex: 3, handle: TCHandle(major: 0xffff, minor: 0), parent: .ingress, kind: .ingress))
        #expect(hexString(request.bytes) == hexString(hex(
            "30000000 2400 0506 00000000 00000000",
            "00 00 0000 03000000 0000ffff f1ffffff 00000000",  // handle ffff:, parent ffff:fff1
            "0c00 0100 696e6772 65737300"             // TCA_KIND "ingress", no options
        )))
    }

    @Test func htbClassWithBurst() {
        // tc class add dev va parent 1: classid 1:30 htb rate 8000bit burst 1000 ceil 16000bit cburst 2000
        let clock = PacketSchedulerClock.standard
        let buffer = clock.transmitTicks(bytes: 1000, bytesPerSecond: 1000)
        #expect(buffer == 15_625_000)
        let request = NetlinkRequest.newClass(HTBClass(
            interfaceIndex: 3, handle: TCHandle(major: 1, minor: 0x30), parent: TCHandle(major: 1, minor: 0), rate: 1000,
            ceil: 2000, buffer: buffer, ceilBuffer: clock.transmitTicks(bytes: 2000, bytesPerSecond: 2000)))
        #expect(hexString(request.bytes) == hexString(hex(
            "60000000 2800 0506 00000000 00000000",   // 96 B (tc: 2152), RTM_NEWTCLASS
            "00 00 0000 03000000 30000100 00000100 00000000",  // classid 1:30, parent 1:
            "0800 0100 68746200",                     // TCA_KIND "htb"
            "3400 0200",                              // TCA_OPTIONS (tc: 2108 B with the tables)
            "3000 0100",                              //   TCA_HTB_PARMS, tc_htb_opt:
            "03 01 0000 ffff 0000 e8030000",          //     rate: cell_log 3, ethernet, cell_align -1, 1000 B/s
            "03 01 0000 ffff 0000 d0070000",          //     ceil: 2000 B/s
            "286bee00 286bee00 00000000 00000000 00000000"  // buffer, cbuffer 15625000 ticks; quantum, level, prio
        )))
    }

    @Test func htbClassAbove32Bits() {
        // tc class add dev va parent 1: classid 1:1 htb rate 800Gbit ceil 800Gbit burst 0 cburst 0
        let request = NetlinkRequest.newClass(HTBClass(
            interfaceIndex: 3, handle: TCHandle(major: 1, minor: 1), parent: TCHandle(major: 1, minor: 0),
            rate: 100_000_000_000, ceil: 100_000_000_000, buffer: 0, ceilBuffer: 0))
        #expect(hexString(request.bytes) == hexString(hex(
            "78000000 2800 0506 00000000 00000000",   // 120 B (tc: 2176)
            "00 00 0000 03000000 01000100 00000100 00000000",
            "0800 0100 68746200",
            "4c00 0200",
            "0c00 0600 00e87648 17000000",            //   TCA_HTB_RATE64 100e9 B/s
            "0c00 0700 00e87648 17000000",            //   TCA_HTB_CEIL64
            "3000 0100",
            "03 01 0000 ffff 0000 ffffffff",          //     rate field all ones: see RATE64
            "03 01 0000 ffff 0000 ffffffff",
            "00000000 00000000 00000000 00000000 00000000"
        )))
    }

    @Test func u32RedirectToIFB() {
        // tc filter add dev va parent ffff: protocol all prio 1 u32 match u32 0 0 flowid 1:1
        //    action mirred egress redirect dev ifb0   (ifb0 is #4)
        let request = NetlinkRequest.newFilter(U32Filter(
            interfaceIndex: 3, parent: TCHandle(major: 0xffff, minor: 0), priority: 1, protocolType: EtherType.all,
            classID: TCHandle(major: 1, minor: 1), redirect: 4))
        #expect(hexString(request.bytes) == hexString(hex(
            "94000000 2c00 0506 00000000 00000000",   // 148 B, RTM_NEWTFILTER
            "00 00 0000 03000000 00000000 0000ffff 00030100",  // parent ffff:, info prio 1 | htons(ETH_P_ALL)
            "0800 0100 75333200",                     // TCA_KIND "u32"
            "6800 0200",                              // TCA_OPTIONS
            "0800 0100 01000100",                     //   TCA_U32_CLASSID 1:1
            "3800 0700",                              //   TCA_U32_ACT
            "3400 0100",                              //     action 1
            "0b00 0100 6d697272 65640000",            //       TCA_ACT_KIND "mirred"
            "2400 0280",                              //       TCA_ACT_OPTIONS (nested flag, as tc sends it)
            "2000 0200 00000000 00000000 04000000 00000000 00000000 01000000 04000000",
            //                                                 TCA_MIRRED_PARMS: stolen, egress redirect, ifindex 4
            "2400 0500 01 00 01 00 0000 0000 0000 0000 00000000",  // TCA_U32_SEL: terminal, 1 key
            "00000000 00000000 00000000 00000000"     //   key: mask 0 value 0 at 0
        )))
        #expect(request.operation == "add filter u32 on #3 parent ffff: prio 1 flowid 1:1 redirect to #4")
    }

    @Test func u32IPv4Destination() {
        // tc filter add dev va parent 1: protocol ip prio 16 u32 match ip dst 10.0.0.0/8 flowid 1:1
        let request = NetlinkRequest.newFilter(U32Filter(
            interfaceIndex: 3, parent: TCHandle(major: 1, minor: 0), priority: 16, protocolType: EtherType.ipv4,
            classID: TCHandle(major: 1, minor: 1), keys: [U32Key(mask: 0xff00_0000, value: 0x0a00_0000, offset: 16)]))
        #expect(hexString(request.bytes) == hexString(hex(
            "5c000000 2c00 0506 00000000 00000000",
            "00 00 0000 03000000 00000000 00000100 08001000",  // info: prio 16 | htons(ETH_P_IP)
            "0800 0100 75333200",
            "3000 0200",
            "0800 0100 01000100",
            "2400 0500 01 00 01 00 0000 0000 0000 0000 00000000",
            "ff000000 0a000000 10000000 00000000"     // mask ff000000, value 10.0.0.0, at 16 (network order)
        )))
    }

    @Test func u32IPv6DestinationTwoKeys() {
        // tc filter add dev va parent 1: protocol ipv6 prio 15 u32 match ip6 dst fd00:1::/48 flowid 1:1
        let request = NetlinkRequest.newFilter(U32Filter(
            interfaceIndex: 3, parent: TCHandle(major: 1, minor: 0), priority: 15, protocolType: EtherType.ipv6,
            classID: TCHandle(major: 1, minor: 1),
            keys: [U32Key(mask: 0xffff_ffff, value: 0xfd00_0001, offset: 24), U32Key(mask: 0xffff_0000, value: 0, offset: 28)]))
        #expect(hexString(request.bytes) == hexString(hex(
            "6c000000 2c00 0506 00000000 00000000",
            "00 00 0000 03000000 00000000 00000100 86dd0f00",
            "0800 0100 75333200",
            "4000 0200",
            "0800 0100 01000100",
            "3400 0500 01 00 02 00 0000 0000 0000 0000 00000000",
            "ffffffff fd000001 18000000 00000000",
            "ffff0000 00000000 1c000000 00000000"
        )))
    }

    @Test func deleteQdiscAndDumps() {
        // tc qdisc del dev va root handle 1:
        #expect(hexString(NetlinkRequest.deleteQdisc(interfaceIndex: 3, handle: TCHandle(major: 1, minor: 0), parent: .root).bytes)
            == hexString(hex("24000000 2500 0500 00000000 00000000", "00 00 0000 03000000 00000100 ffffffff 00000000")))
        // tc qdisc show dev va; tc class show dev va (flags REQUEST|DUMP)
        #expect(hexString(NetlinkRequest.dumpQdiscs(interfaceIndex: 3).bytes)
            == hexString(hex("24000000 2600 0103 00000000 00000000", "00 00 0000 03000000 00000000 00000000 00000000")))
        #expect(hexString(NetlinkRequest.dumpClasses(interfaceIndex: 3).bytes)
            == hexString(hex("24000000 2a00 0103 00000000 00000000", "00 00 0000 03000000 00000000 00000000 00000000")))
    }

    @Test func decodesWhatItEncodes() throws {
        let clock = PacketSchedulerClock.standard
        let htb = HTBClass(
            interfaceIndex: 7, handle: TCHandle(major: 1, minor: 0x30), parent: TCHandle(major: 1, minor: 0), rate: 5_000_000_000,
            ceil: 10_000_000_000, buffer: clock.transmitTicks(bytes: 9000, bytesPerSecond: 5_000_000_000), ceilBuffer: 42)
        #expect(try HTBClass(message: reply(NetlinkRequest.newClass(htb))) == htb)
        var filter = U32Filter(
            interfaceIndex: 7, parent: TCHandle(major: 0xffff, minor: 0), priority: 1, protocolType: EtherType.all,
            classID: TCHandle(major: 1, minor: 1), redirect: 9)
        let decoded = try #require(try U32Filter(message: reply(NetlinkRequest.newFilter(filter))))
        #expect(decoded.actions == [.mirred(MirredAction(direction: 1, interfaceIndex: 9, verdict: 4))])
        filter.actions = decoded.actions
        #expect(decoded == filter)
        let qdisc = Qdisc(interfaceIndex: 7, handle: TCHandle(major: 1, minor: 0), parent: .root, kind: .htb(HTBQdiscOptions(defaultClass: 1)))
        #expect(try Qdisc(message: reply(NetlinkRequest.newQdisc(qdisc))) == qdisc)
        #expect(TCHandle(major: 1, minor: 0x30).description == "1:30" && TCHandle(major: 0xffff, minor: 0).description == "ffff:")
    }

    /// A request read back as if the kernel had sent it.
    private func reply(_ request: NetlinkRequest) throws -> NetlinkMessage {
        try NetlinkMessage.split(request.bytes)[0]
    }
}

/// Policy-rule and link-change requests pinned to iproute2 6.1's bytes (`ip rule`, `ip link set`).
/// `ip link set` sends its changes as `RTM_NEWLINK` (type 0x10); ours go as `RTM_SETLINK` (0x13),
/// which changes an existing link the same way and can never create one.
@Suite struct RuleAndLinkChangeGoldenBytes {
    @Test func ruleFromAddressTable100() {
        // ip rule add from 10.1.0.2/32 table 100
        let request = NetlinkRequest.newRule(.from(IPAddress("10.1.0.2")!, table: RouteTable(100)))
        #expect(hexString(request.bytes) == hexString(hex(
            "24000000 2000 0506 00000000 00000000",   // RTM_NEWRULE, REQUEST|ACK|EXCL|CREATE
            "02 00 20 00 64 00 00 01 00000000",       // fib_rule_hdr: inet, src_len 32, table 100, FR_ACT_TO_TBL
            "0800 0200 0a010002"                      // FRA_SRC 10.1.0.2
        )))
        #expect(request.operation == "add rule from 10.1.0.2/32 lookup 100")
    }

    @Test func ruleIPv6AndLargeTable() {
        // ip -6 rule add from fd00::2/128 table 101
        #expect(hexString(NetlinkRequest.newRule(.from(IPAddress("fd00::2")!, table: RouteTable(101))).bytes) == hexString(hex(
            "30000000 2000 0506 00000000 00000000",
            "0a 00 80 00 65 00 00 01 00000000",
            "1400 0200 fd000000 00000000 00000000 00000002"
        )))
        // ip rule add from 10.1.0.3/32 table 1000
        #expect(hexString(NetlinkRequest.newRule(.from(IPAddress("10.1.0.3")!, table: RouteTable(1000))).bytes) == hexString(hex(
            "2c000000 2000 0506 00000000 00000000",
            "02 00 20 00 00 00 00 01 00000000",       // table 0 (RT_TABLE_UNSPEC) in the header ...
            "0800 0200 0a010003",
            "0800 0f00 e8030000"                      // ... FRA_TABLE 1000
        )))
    }

    @Test func deleteRuleLeavesActionOpen() {
        // ip rule del from 10.1.0.2/32 table 100
        #expect(hexString(NetlinkRequest.deleteRule(.from(IPAddress("10.1.0.2")!, table: RouteTable(100))).bytes) == hexString(hex(
            "24000000 2100 0500 00000000 00000000",   // RTM_DELRULE, REQUEST|ACK
            "02 00 20 00 64 00 00 00 00000000",
            "0800 0200 0a010002"
        )))
    }

    @Test func ruleRoundTrip() throws {
        var rule = Rule(family: .v6, source: IPNetwork("fd00::/64"), destination: IPNetwork("fd01::/64"), table: RouteTable(300), priority: 7)
        let decoded = try Rule(message: rule.message)
        rule.action = .lookup
        #expect(decoded == rule)
    }

    @Test func linkChanges() {
        // ip link set va txqueuelen 20000
        #expect(hexString(NetlinkRequest.setLink(index: 3, name: "va", LinkChanges(txQueueLength: 20000)).bytes) == hexString(hex(
            "28000000 1300 0500 00000000 00000000",
            "00 00 0000 03000000 00000000 00000000",
            "0800 0d00 204e0000"                      // IFLA_TXQLEN 20000
        )))
        // ip link set va allmulticast on
        #expect(hexString(NetlinkRequest.setLink(index: 3, name: "va", LinkChanges(allMulticast: true)).bytes) == hexString(hex(
            "20000000 1300 0500 00000000 00000000",
            "00 00 0000 03000000 00020000 00020000"   // ifi_flags/ifi_change IFF_ALLMULTI
        )))
        // ip link set va alias cni-bandwidth (iproute2 leaves the NUL out: 0x11 bytes; the kernel
        // stores the same string either way)
        #expect(hexString(NetlinkRequest.setLink(index: 3, name: "va", LinkChanges(alias: "cni-bandwidth")).bytes) == hexString(hex(
            "34000000 1300 0500 00000000 00000000",
            "00 00 0000 03000000 00000000 00000000",
            "1200 1400 636e692d 62616e64 77696474 68000000"  // IFLA_IFALIAS "cni-bandwidth\0"
        )))
    }

    @Test func ifbCreatedUp() {
        // ip link add ifb1 mtu 1400 txqueuelen 1000 up type ifb: the same attributes and length;
        // iproute2 puts IFLA_IFNAME after MTU/TXQLEN, leaves NLA_F_NESTED off IFLA_LINKINFO and
        // sends the kind without its NUL.
        let spec = LinkSpec(name: "ifb1", type: .ifb, mtu: 1400, txQueueLength: 1000, up: true)
        #expect(hexString(NetlinkRequest.newLink(spec).bytes) == hexString(hex(
            "48000000 1000 0506 00000000 00000000",   // 72 B, as iproute2's
            "00 00 0000 00000000 01000000 01000000",  // ifi_flags/ifi_change IFF_UP
            "0900 0300 69666231 00000000",            // IFLA_IFNAME "ifb1"
            "0800 0400 78050000",                     // IFLA_MTU 1400
            "0800 0d00 e8030000",                     // IFLA_TXQLEN 1000
            "0c00 1280",
            "0800 0100 69666200"                      // IFLA_INFO_KIND "ifb"
        )))
    }
}
