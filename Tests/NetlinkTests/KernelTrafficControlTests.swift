import CNITestSupport
import Foundation
import LinuxNet
import NetAddress
import Netlink
import Testing

/// Traffic control and policy rules against the real kernel, read back with `tc -j` / `ip -j rule`
/// and with our own dumps.
@Suite(.enabled(if: isPrivileged)) struct KernelTrafficControlTests {
    @Test func shapingSetUpLikeTheBandwidthPlugin() throws {
        try withNetlinkNamespace { ns, netlink in
            try ns.ip("link", "add", "va", "type", "veth", "peer", "name", "vb")
            let va = try #require(try netlink.link(named: "va"))
            try netlink.addLink(LinkSpec(name: "ifb9", type: .ifb, mtu: 1400, txQueueLength: 1000, up: true))
            let ifb = try #require(try netlink.link(named: "ifb9"))
            #expect(ifb.isUp && ifb.mtu == 1400 && ifb.txQueueLength == 1000 && ifb.linkType == .ifb)

            let root = TCHandle(major: 1, minor: 0)
            try netlink.addQdisc(Qdisc(interfaceIndex: va.index, handle: root, parent: .root, kind: .htb(HTBQdiscOptions(defaultClass: 0x30))))
            let clock = PacketSchedulerClock.current()
            let shaped = HTBClass(
                interfaceIndex: va.index, handle: TCHandle(major: 1, minor: 0x30), parent: root, rate: 125_000, ceil: 250_000,
                buffer: clock.transmitTicks(bytes: 10_000, bytesPerSecond: 125_000), ceilBuffer: clock.transmitTicks(bytes: 10_000, bytesPerSecond: 125_000))
            try netlink.addClass(shaped)
            let open = HTBClass(
                interfaceIndex: va.index, handle: TCHandle(major: 1, minor: 1), parent: root, rate: 100_000_000_000,
                ceil: 100_000_000_000, buffer: 0, ceilBuffer: 0)
            try netlink.addClass(open)
            try netlink.addFilter(U32Filter(
                interfaceIndex: va.index, parent: root, priority: 16, protocolType: EtherType.ipv4, classID: open.handle,
                keys: [U32Key(mask: 0xffff_0000, value: 0x0a0b_0000, offset: 16)]))
            try netlink.addQdisc(Qdisc(interfaceIndex: va.index, handle: TCHandle(major: 0xffff, minor: 0), parent: .ingress, kind: .ingress))
            try netlink.addFilter(U32Filter(
                interfaceIndex: va.index, parent: TCHandle(major: 0xffff, minor: 0), priority: 1, protocolType: EtherType.all,
                classID: TCHandle(major: 1, minor: 1), redirect: ifb.index))

            // iproute2's view.
            let qdiscs = try tcJSON(ns, ["qdisc", "show", "dev", "va"])
            #expect(qdiscs.contains { $0.string("kind") == "htb" && $0.string("handle") == "1:" && ($0["options"] as? [String: Any])?.string("default") == "0x30" })
            #expect(qdiscs.contains { $0.string("kind") == "ingress" })
            // (tc 6.1 prints HTB classes as text only, even with -j.)
            let classes = try Command.check(["tc", "-n", ns.name, "class", "show", "dev", "va"])
            #expect(classes.contains("class htb 1:30 root prio 0 rate 1Mbit ceil 2Mbit burst 10000b cburst 20000b"))
            #expect(classes.contains("class htb 1:1 root prio 0 rate 800Gbit ceil 800Gbit"))
            let text = try Command.check(["tc", "-n", ns.name, "filter", "show", "dev", "va", "parent", "ffff:"])
            #expect(text.contains("mirred (Egress Redirect to device ifb9) stolen"))
            #expect(try Command.check(["tc", "-n", ns.name, "filter", "show", "dev", "va", "parent", "1:"]).contains("match 0a0b0000/ffff0000 at 16"))

            // Ours.
            let ours = try netlink.qdiscs(interfaceIndex: va.index)
            // The kernel reports its own HTB version (0x30011), not the 3 it was given.
            #expect(ours.contains {
                guard case .htb(let options) = $0.kind else { return false }
                return options.defaultClass == 0x30 && options.rateToQuantum == 10 && $0.handle == root && $0.parent == .root
            })
            #expect(ours.contains { $0.kind == .ingress && $0.parent == .ingress })
            let dumpedClasses = try netlink.classes(interfaceIndex: va.index)
            #expect(dumpedClasses.first { $0.handle == shaped.handle }?.rate == 125_000)
            #expect(dumpedClasses.first { $0.handle == shaped.handle }?.buffer == shaped.buffer)
            #expect(dumpedClasses.first { $0.handle == open.handle }?.rate == 100_000_000_000)
            let redirect = try netlink.filters(interfaceIndex: va.index, parent: TCHandle(major: 0xffff, minor: 0))
            #expect(redirect.count == 1 && redirect.first?.redirect == ifb.index && redirect.first?.protocolType == EtherType.all)
            let subnet = try netlink.filters(interfaceIndex: va.index, parent: root)
            #expect(subnet.map(\.keys) == [[U32Key(mask: 0xffff_0000, value: 0x0a0b_0000, offset: 16)]])
            #expect(subnet.first?.classID == open.handle && subnet.first?.priority == 16)

            try netlink.deleteQdisc(Qdisc(interfaceIndex: va.index, handle: root, parent: .root, kind: .other("")))
            #expect(try !netlink.qdiscs(interfaceIndex: va.index).contains { $0.handle == root })
            #expect(try netlink.classes(interfaceIndex: va.index).isEmpty)
        }
    }

    /// TBF (the layout of Debian's bandwidth plugin) decodes with its rate, buffer and limit.
    @Test func tbfDecodes() throws {
        try withNetlinkNamespace { ns, netlink in
            try ns.ip("link", "add", "va", "type", "veth", "peer", "name", "vb")
            try Command.check(["tc", "-n", ns.name, "qdisc", "add", "dev", "va", "root", "tbf", "rate", "8mbit", "burst", "10000", "limit", "35000"])
            let va = try #require(try netlink.link(named: "va"))
            let tbf = try #require(try netlink.qdiscs(interfaceIndex: va.index).first { $0.parent == .root })
            #expect(tbf.kind == .tbf(TBFOptions(
                rate: 1_000_000, buffer: PacketSchedulerClock.current().transmitTicks(bytes: 10000, bytesPerSecond: 1_000_000), limit: 35000)))
        }
    }

    @Test func policyRules() throws {
        try withNetlinkNamespace { ns, netlink in
            try netlink.addRule(.from(IPAddress("10.1.0.2")!, table: RouteTable(100)))
            try netlink.addRule(.from(IPAddress("fd00::2")!, table: RouteTable(1000)))
            let v4 = try netlink.rules(family: .v4)
            let ours = try #require(v4.first { $0.source?.description == "10.1.0.2/32" })
            #expect(ours.table == RouteTable(100) && ours.priority != nil && ours.action == .lookup)
            #expect(v4.contains { $0.table == .local && $0.source == nil })
            #expect(try netlink.rules(family: .v6).contains { $0.source?.description == "fd00::2/128" && $0.table == RouteTable(1000) })
            let json = try ns.ipJSON(["rule", "show"])
            #expect(json.contains { $0.string("src") == "10.1.0.2" && $0.string("table") == "100" })

            try netlink.deleteRule(ours)
            try netlink.deleteRule(.from(IPAddress("fd00::2")!, table: RouteTable(1000)))
            #expect(try !netlink.rules(family: .v4).contains { $0.table == RouteTable(100) })
            #expect(try !netlink.rules(family: .v6).contains { $0.table == RouteTable(1000) })
            let missing = try #require(throws: NetlinkError.self) { try netlink.deleteRule(ours) }
            #expect(missing.isNotFound)
        }
    }

    @Test func linkAttributesTunedInPlace() throws {
        try withNetlinkNamespace { ns, netlink in
            try ns.ip("link", "add", "va", "type", "veth", "peer", "name", "vb")
            let va = try #require(try netlink.link(named: "va"))
            #expect(va.txQueueLength == 1000 && !va.isAllMulticast && !va.isPromiscuous)
            try netlink.setTxQueueLength(va, 20000)
            try netlink.setAllMulticast(va, true)
            try netlink.setPromiscuous(va, true)
            try netlink.setAlias(va, "cni test")
            let after = try #require(try netlink.link(named: "va"))
            #expect(after.txQueueLength == 20000 && after.isAllMulticast && after.isPromiscuous && after.alias == "cni test")
            let json = try ns.ipLink("va")
            #expect(json.int("txqlen") == 20000 && json.string("ifalias") == "cni test")
            try netlink.setAllMulticast(after, false)
            #expect(try netlink.link(named: "va")?.isAllMulticast == false)
        }
    }

    private func tcJSON(_ ns: TestNamespace, _ args: [String]) throws -> [[String: Any]] {
        let out = try Command.check(["tc", "-n", ns.name, "-j"] + args)
        return (try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]]) ?? []
    }
}
