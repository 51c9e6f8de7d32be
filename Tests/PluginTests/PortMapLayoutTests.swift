import CNI
import Firewall
import NFTables
import NetAddress
import Testing

@testable import PortMap

/// The rule sets as pure data: iptables-restore lines, nftables rules, the anchor record, conditions.
struct PortMapLayoutTests {
    static func attachment(
        _ mappings: [PortMapping], options: PortMapOptions = PortMapOptions(),
        addresses: [IPNetwork] = [IPNetwork("10.88.0.2/16")!, IPNetwork("fd00:88::2/64")!]
    ) -> PortMapAttachment {
        PortMapAttachment(network: "mynet", containerID: "ctr1", ifName: "eth0", addresses: addresses, mappings: mappings, options: options)
    }

    static let chain = FirewallNames.portmapDNATChain(network: "mynet", containerID: "ctr1")

    // MARK: iptables

    @Test func iptablesSetupOnAnEmptyTableWritesTheWholeLayout() {
        let a = Self.attachment([
            PortMapping(proto: .tcp, hostPort: 8080, containerPort: 80),
            PortMapping(proto: .udp, hostPort: 53, containerPort: 5353, hostIP: IPAddress("192.168.1.1")),
        ])
        let c = Self.chain
        let lines = IPTablesPortMapLayout.setupLines(IPTablesNATDump(parsing: ""), a, family: .v4)
        #expect(lines == [
            ":CNI-HOSTPORT-SETMARK - [0:0]",
            "-A CNI-HOSTPORT-SETMARK -m comment --comment \"CNI portfwd masquerade mark\" -j MARK --set-xmark 0x2000/0x2000",
            ":CNI-HOSTPORT-MASQ - [0:0]",
            "-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE",
            "-I POSTROUTING 1 -m comment --comment \"CNI portfwd requiring masquerade\" -j CNI-HOSTPORT-MASQ",
            ":CNI-HOSTPORT-DNAT - [0:0]",
            "-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
            "-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
            ":\(c) - [0:0]",
            "-A \(c) -s 10.88.0.0/16 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK",
            "-A \(c) -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK",
            "-A \(c) -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.2:80",
            "-A \(c) -s 10.88.0.0/16 -d 192.168.1.1/32 -p udp -m udp --dport 53 -j CNI-HOSTPORT-SETMARK",
            "-A \(c) -s 127.0.0.1/32 -d 192.168.1.1/32 -p udp -m udp --dport 53 -j CNI-HOSTPORT-SETMARK",
            "-A \(c) -d 192.168.1.1/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.88.0.2:5353",
            "-I CNI-HOSTPORT-DNAT 1 -p udp -m comment --comment \"dnat name: \\\"mynet\\\" id: \\\"ctr1\\\"\" -m multiport --dports 53 -j \(c)",
            "-I CNI-HOSTPORT-DNAT 1 -p tcp -m comment --comment \"dnat name: \\\"mynet\\\" id: \\\"ctr1\\\"\" -m multiport --dports 8080 -j \(c)",
        ])
        // IPv6: no localhost mark; the v4 hostIP mapping is skipped in the chain but its port stays in
        // the entry rule, as in the reference.
        let v6 = IPTablesPortMapLayout.chainRules(a, family: .v6).map { $0.line() }
        #expect(v6 == [
            "-A \(c) -s fd00:88::/64 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK",
            "-A \(c) -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:88::2]:80",
        ])
        #expect(IPTablesPortMapLayout.entryRules(a, family: .v6).count == 2)
    }

    @Test func iptablesOptionsAndRanges() {
        var o = PortMapOptions()
        o.masqAll = true
        o.markMasqBit = 3
        o.conditionsV4 = ["-d", "172.16.0.1"]
        let a = Self.attachment(
            [
                PortMapping(proto: .tcp, hostPort: 8000, containerPort: 8000, count: 10),
                PortMapping(proto: .tcp, hostPort: 9000, containerPort: 9100, count: 3),
            ], options: o)
        let c = Self.chain
        #expect(IPTablesPortMapLayout.chainRules(a, family: .v4).map { $0.line() } == [
            "-A \(c) -p tcp -m tcp --dport 8000:8009 -j CNI-HOSTPORT-SETMARK",
            "-A \(c) -p tcp -m tcp --dport 8000:8009 -j DNAT --to-destination 10.88.0.2",
            "-A \(c) -p tcp -m tcp --dport 9000:9002 -j CNI-HOSTPORT-SETMARK",
            "-A \(c) -p tcp -m tcp --dport 9000:9002 -j DNAT --to-destination 10.88.0.2:9100-9102/9000",
        ])
        #expect(IPTablesPortMapLayout.entryRules(a, family: .v4).map { $0.line() } == [
            "-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment \"dnat name: \\\"mynet\\\" id: \\\"ctr1\\\"\" -m multiport --dports 8000:8009,9000:9002 -d 172.16.0.1 -j \(c)"
        ])
        #expect(IPTablesPortMapLayout.dnatTarget(IPAddress("fd00::2")!, a.mappings[1]) == "[fd00::2]:9100-9102/9000")
        #expect(IPTablesPortMapLayout.dnatTarget(IPAddress("fd00::2")!, a.mappings[0]) == "fd00::2")
        #expect(IPTablesPortMapLayout.setMarkRule(o).line().hasSuffix("--set-xmark 0x8/0x8"))
        // An external mark chain: marks jump there, and no SETMARK/MASQ chains are made.
        var external = PortMapOptions()
        external.externalSetMarkChain = "KUBE-MARK-MASQ"
        let e = Self.attachment([PortMapping(proto: .tcp, hostPort: 80, containerPort: 80)], options: external)
        let lines = IPTablesPortMapLayout.setupLines(IPTablesNATDump(parsing: ""), e, family: .v4)
        #expect(!lines.contains { $0.contains("CNI-HOSTPORT-SETMARK") || $0.contains("CNI-HOSTPORT-MASQ") })
        #expect(lines.contains("-A \(c) -s 10.88.0.0/16 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ"))
        // snat off: no marks at all.
        var plain = PortMapOptions()
        plain.snat = false
        let p = Self.attachment([PortMapping(proto: .tcp, hostPort: 80, containerPort: 80)], options: plain)
        #expect(IPTablesPortMapLayout.chainRules(p, family: .v4).map { $0.line() } == [
            "-A \(c) -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.88.0.2:80"
        ])
    }

    @Test func iptablesEntryRulesHoldAtMost15PortSlots() {
        let singles = (0..<20).map { PortMapping(proto: .tcp, hostPort: UInt16(1000 + $0), containerPort: 80) }
        let ranges = (0..<8).map { PortMapping(proto: .tcp, hostPort: UInt16(2000 + 10 * $0), containerPort: 80, count: 2) }
        let entries = IPTablesPortMapLayout.entryRules(Self.attachment(singles + ranges), family: .v4)
        let ports = entries.map { $0.spec[$0.spec.firstIndex(of: "--dports")! + 1].split(separator: ",") }
        #expect(ports.map(\.count) == [15, 5 + 5, 3])
        for group in ports {
            #expect(group.reduce(0) { $0 + ($1.contains(":") ? 2 : 1) } <= 15)
        }
    }

    @Test func iptablesSetupOverExistingStateRewritesOnlyTheContainer() {
        let a = Self.attachment([PortMapping(proto: .tcp, hostPort: 8080, containerPort: 80)])
        let c = Self.chain
        let dump = IPTablesNATDump(parsing: """
            *nat
            :PREROUTING ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :CNI-HOSTPORT-DNAT - [0:0]
            :CNI-HOSTPORT-MASQ - [0:0]
            :CNI-HOSTPORT-SETMARK - [0:0]
            :\(c) - [0:0]
            -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
            -A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
            -A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
            -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"mynet\\" id: \\"ctr1\\"" -m multiport --dports 9999 -j \(c)
            -A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
            -A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
            COMMIT
            """)
        let lines = IPTablesPortMapLayout.setupLines(dump, a, family: .v4)
        #expect(lines.first == "-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment \"dnat name: \\\"mynet\\\" id: \\\"ctr1\\\"\" -m multiport --dports 9999 -j \(c)")
        #expect(lines.dropFirst().first == ":\(c) - [0:0]")
        #expect(lines.count == 1 + 1 + 3 + 1)
        #expect(IPTablesPortMapLayout.missing(dump, a, family: .v4).count == 4)  // three chain rules, the entry
    }

    @Test func iptablesGCAndConntrackReadTheDump() {
        let live = FirewallNames.portmapDNATChain(network: "mynet", containerID: "alive")
        let dead = FirewallNames.portmapDNATChain(network: "mynet", containerID: "dead")
        let foreign = FirewallNames.portmapDNATChain(network: "other", containerID: "dead")
        let dump = IPTablesNATDump(parsing: """
            *nat
            :CNI-HOSTPORT-DNAT - [0:0]
            :\(live) - [0:0]
            :\(dead) - [0:0]
            :\(foreign) - [0:0]
            -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"mynet\\" id: \\"alive\\"" -m multiport --dports 80 -j \(live)
            -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"mynet\\" id: \\"dead\\"" -m multiport --dports 81 -j \(dead)
            -A CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \\"mynet\\" id: \\"dead\\"" -m multiport --dports 53 -j \(dead)
            -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"other\\" id: \\"dead\\"" -m multiport --dports 82 -j \(foreign)
            -A \(dead) -p udp -m udp --dport 53 -j DNAT --to-destination 10.88.0.9:53
            -A \(dead) -p udp -m udp --dport 54 -j DNAT --to-destination [fd00::9]:53
            -A \(dead) -p tcp -m tcp --dport 81 -j DNAT --to-destination 10.88.0.8:80
            COMMIT
            """)
        #expect(IPTablesPortMapLayout.staleChains(dump, network: "mynet", alive: ["alive"]) == [dead])
        #expect(IPTablesPortMapLayout.udpDestinations(dump, chain: dead) == [IPAddress("10.88.0.9")!, IPAddress("fd00::9")!])
    }

    // MARK: nftables

    @Test func nftablesRulesPerFamily() throws {
        let a = Self.attachment([
            PortMapping(proto: .tcp, hostPort: 8080, containerPort: 80),
            PortMapping(proto: .udp, hostPort: 53, containerPort: 53, hostIP: IPAddress("10.0.0.1")),
            PortMapping(proto: .tcp, hostPort: 7000, containerPort: 7000, count: 5),
            PortMapping(proto: .tcp, hostPort: 9000, containerPort: 9100, count: 3),
        ])
        let v4 = try NFTPortMapLayout.rules(for: a, family: .v4)
        #expect(v4.hostports.count == 1 + 1 + 1 + 3 && v4.masquerading.count == 2)
        let v6 = try NFTPortMapLayout.rules(for: a, family: .v6)
        #expect(v6.hostports.count == 1 + 1 + 3 && v6.masquerading.count == 1)
        let hostports = NFTPortMapLayout.hostports(.v4)
        // A range that keeps its ports: one interval rule whose DNAT names no port.
        let kept = NFTRule(chain: hostports) {
            $0.matchProtocol(.tcp)
            $0.matchPorts(.destination, 7000...7004)
            $0.dnat(to: IPAddress("10.88.0.2")!)
        }
        #expect(v4.hostports[2].expressions == kept.expressions)
        // A shifted range: a rule per port.
        let shifted = NFTRule(chain: hostports) {
            $0.matchProtocol(.tcp)
            $0.matchPort(.destination, 9001)
            $0.dnat(to: IPAddress("10.88.0.2")!, port: 9101)
        }
        #expect(v4.hostports[4].expressions == shifted.expressions)
        let tag = FirewallNames.portmapComment(network: "mynet", ifName: "eth0", containerID: "ctr1")
        #expect((v4.all + v6.all).allSatisfy { $0.comment == tag })
        // No address of a family, or no mapping for it: nothing.
        let v4only = Self.attachment(a.mappings, addresses: [IPNetwork("10.88.0.2/16")!])
        #expect(try NFTPortMapLayout.rules(for: v4only, family: .v6).isEmpty)
        let v6mappingOnly = Self.attachment([PortMapping(proto: .tcp, hostPort: 1, containerPort: 1, hostIP: IPAddress("::"))])
        #expect(try NFTPortMapLayout.rules(for: v6mappingOnly, family: .v4).isEmpty)
    }

    @Test func anchorRecordRoundTripsAndNamesTheHandles() {
        let a = Self.attachment([])
        let record = AnchorRecord(
            counts: [("hostports", 2), ("masquerading", 1)], address: IPAddress("fd00:88::2"), udp: true)
        let comment = record.comment(for: a)
        #expect(comment == "hostports=2 masquerading=1 address=fd00:88::2 udp=1; net: mynet, if: eth0, id: ctr1")
        #expect(AnchorRecord(comment: comment) == record)
        #expect(record.handles(after: 40).map { "\($0.chain):\($0.handle)" } == ["hostports:41", "hostports:42", "masquerading:43"])
        #expect(AnchorRecord(comment: "something else") == nil)
        // A long identity is cut, never the record.
        var long = a
        long.containerID = String(repeating: "c", count: 200)
        let cut = record.comment(for: long)
        #expect(cut.utf8.count == 128 && AnchorRecord(comment: cut) == record)
    }

    @Test func nftConditionsCompileToNftsExpressions() throws {
        let c = try NFTConditions(
            ["ip daddr != { 127.0.0.0/8, 198.19.254.254 }", "ip", "saddr", "10.0.0.0/8", "iifname", "\"eth0\"", "meta oifname != cni*"],
            family: .v4, key: "conditionsV4")
        var built = NFTRuleBuilder(family: .ip)
        c.apply(to: &built)
        var expected = NFTRuleBuilder(family: .ip)
        expected.match(.destination, .neq, IPNetwork("127.0.0.0/8")!)
        expected.match(.destination, .neq, address: IPAddress("198.19.254.254")!)
        expected.match(.source, IPNetwork("10.0.0.0/8")!)
        expected.matchInterface(.input, name: "eth0")
        expected.matchInterface(.output, .neq, name: "cni*")
        #expect(built.expressions == expected.expressions)
        #expect(try NFTConditions(["ip6 saddr fd00::/8"], family: .v6, key: "conditionsV6").matches.count == 1)
        for bad in [["ip6 saddr fd00::/8"], ["ip saddr { 1.2.3.4, 5.6.7.8 }"], ["tcp dport 80"], ["ip saddr"], ["iifname \"eth0"],
                    ["ip saddr fd00::1"], ["ip daddr != { 1.2.3.4"]] {
            #expect(throws: PortMapError.self, "\(bad)") { try NFTConditions(bad, family: .v4, key: "conditionsV4") }
        }
    }
}
