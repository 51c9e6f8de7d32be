import CNITestSupport
import Foundation
import Testing

/// A value two threads of a test write to, under a lock.
final class UnsafeSendableBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func mutate(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}

/// `sbr` against the kernel, beside Debian's (`/usr/lib/cni/sbr`, 1.1.1): the same rules and
/// routing tables for the same request, each side's DEL removing the other side's rules, the
/// reference's table choice, the HEAD options (`table`, `gateways`, `addSourceHints`), rollback.
@Suite(.enabled(if: isPrivileged), .serialized)
struct SBRTests {

    /// Rules and every table but `local` in the container, as sorted text lines.
    static func routing(_ lab: ChainLab) throws -> [String] {
        var lines: [String] = []
        for family in ["-4", "-6"] {
            lines += try lab.container.check(["ip", family, "rule", "show"]).split(separator: "\n").map { "rule \($0)" }
            lines += try lab.container.check(["ip", family, "route", "show", "table", "all"]).split(separator: "\n")
                .filter { !$0.contains("table local") && !$0.hasPrefix("multicast") }.map { "route \($0)" }
        }
        return lines.map {
            $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "  ", with: " ").trimmingCharacters(in: .whitespaces)
        }.sorted()
    }

    @Test func sameRulesAndTablesAsTheReferenceAndEachDeletesTheOthers() throws {
        _ = try Binaries.requireReference("sbr")
        var states: [[String]] = []
        var results: [String] = []
        for (adder, deleter) in [(false, true), (true, false)] {
            let lab = try ChainLab("sbr")
            defer { lab.delete() }
            try lab.container.check(["ip", "-6", "route", "add", "default", "via", "fd01::1", "dev", "eth0"])
            let before = try Self.routing(lab)
            let config = lab.config("sbr")
            let result = try lab.add("sbr", reference: adder, config: config)
            results.append(ChainLab.json(result).replacingOccurrences(of: lab.container.name, with: "NETNS"))
            states.append(try Self.routing(lab))
            #expect(try lab.run("DEL", "sbr", reference: deleter, config: config).status == 0)
            let after = try Self.routing(lab)
            #expect(!after.contains { $0.contains("lookup 100") || $0.contains("lookup 101") })
            // Only the rules go on DEL (as in the reference); the routes left the main table on ADD.
            #expect(after.filter { $0.hasPrefix("rule") } == before.filter { $0.hasPrefix("rule") })
        }
        #expect(states[0] == states[1])
        #expect(results[0] == results[1], "sbr passes prevResult through")
        let ours = states[0]
        #expect(ours.contains("rule 32765: from 10.1.0.2 lookup 100"))
        #expect(ours.contains("rule 32765: from fd01::2 lookup 101"))
        #expect(ours.contains("route default via 10.1.0.1 dev eth0 table 100"))
        #expect(ours.contains("route 192.168.50.0/24 via 10.1.0.1 dev eth0 table 100"))
        #expect(ours.contains("route default via fd01::1 dev eth0 table 101 metric 1024 pref medium"))
        #expect(!ours.contains { $0.hasPrefix("route 10.1.0.0/24") && !$0.contains("table") }, "the subnet route left main")
    }

    /// Traffic from the address goes by its table: `ip route get ... from` answers with it, and a
    /// ping from the address to the gateway works.
    @Test func trafficFromTheAddressUsesItsTable() throws {
        let lab = try ChainLab("sbr")
        defer { lab.delete() }
        try lab.add("sbr", config: lab.config("sbr"))
        let route = try lab.container.check(["ip", "route", "get", "198.51.100.7", "from", "10.1.0.2"])
        #expect(route.contains("via 10.1.0.1 dev eth0 table 100"), "\(route)")
        // Without a source the main table has no way out any more.
        #expect(try lab.container.run(["ip", "route", "get", "198.51.100.7"]).status != 0)
        #expect(try lab.container.run(["ping", "-c1", "-W2", "-I", "10.1.0.2", "10.1.0.1"]).succeeded)
    }

    /// Tables in use (by a rule or by routes) are skipped; a second interface gets the next ones.
    @Test func tableChoiceSkipsUsedTables() throws {
        let lab = try ChainLab("sbr")
        defer { lab.delete() }
        try lab.container.check(["ip", "rule", "add", "from", "192.0.2.9", "table", "100"])
        try lab.container.check(["ip", "route", "add", "203.0.113.0/24", "dev", "eth0", "table", "101"])
        try lab.add("sbr", config: lab.config("sbr"))
        let rules = try lab.container.check(["ip", "rule", "show"]) + lab.container.check(["ip", "-6", "rule", "show"])
        #expect(rules.contains("from 10.1.0.2 lookup 102") && rules.contains("from fd01::2 lookup 103"), "\(rules)")
    }

    /// Two interfaces of one pod set up at the same time, one by ours and one by the reference's
    /// binary: the namespace lock both take keeps them from picking the same tables.
    @Test func concurrentAddsForTwoInterfacesPickDistinctTables() throws {
        _ = try Binaries.requireReference("sbr")
        let lab = try ChainLab("sbr")
        defer { lab.delete() }
        try Command.check(["ip", "-n", lab.host.name, "link", "add", "vh1", "type", "veth", "peer", "name", "net1", "netns", lab.container.name])
        try lab.container.check(["ip", "link", "set", "net1", "up"])
        try lab.container.check(["ip", "addr", "add", "10.2.0.2/24", "dev", "net1"])
        var second = lab.prevResult()
        second["interfaces"] = [["name": "vh1"], ["name": "net1", "sandbox": lab.container.path]]
        second["ips"] = [["interface": 1, "address": "10.2.0.2/24", "gateway": "10.2.0.1"]]
        let configs = [lab.config("sbr"), lab.config("sbr", prevResult: second)]
        let outcomes = UnsafeSendableBox([CommandOutput?](repeating: nil, count: 2))
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let out = try? lab.run("ADD", "sbr", reference: i == 1, config: configs[i], ifName: i == 0 ? "eth0" : "net1")
            outcomes.mutate { $0[i] = out }
        }
        #expect(outcomes.value.allSatisfy { $0?.status == 0 })
        let rules = try lab.container.check(["ip", "rule", "show"]) + lab.container.check(["ip", "-6", "rule", "show"])
        let tables = rules.split(separator: "\n").filter { $0.contains("from 10.") || $0.contains("from fd01") }.compactMap { $0.split(separator: " ").last }
        #expect(tables.count == 3 && Set(tables).count == 3, "\(rules)")
    }

    @Test func tableOptionOnlyAddsRules() throws {
        let lab = try ChainLab("sbr")
        defer { lab.delete() }
        let before = try Self.routing(lab).filter { $0.hasPrefix("route") }
        let config = lab.config("sbr", ["table": 500])
        try lab.add("sbr", config: config)
        let after = try Self.routing(lab)
        #expect(after.contains("rule 32765: from 10.1.0.2 lookup 500") && after.contains("rule 32765: from fd01::2 lookup 500"))
        #expect(after.filter { $0.hasPrefix("route") } == before)
        #expect(try lab.run("CHECK", "sbr", config: config).status == 0)
        // DEL with the table removes only that table's rules from the addresses.
        try lab.container.check(["ip", "rule", "add", "from", "10.1.0.2", "table", "600"])
        #expect(try lab.run("DEL", "sbr", config: config).status == 0)
        let left = try lab.container.check(["ip", "rule", "show"])
        #expect(!left.contains("lookup 500") && left.contains("from 10.1.0.2 lookup 600"))
    }

    @Test func staticGatewaysAndSourceHints() throws {
        let lab = try ChainLab("sbr")
        defer { lab.delete() }
        // A secondary interface has no default route of its own: the static gateways give it one in
        // its tables. (Where the interface has one, its copy replaces the static one, as in the
        // reference: the copies are made with "replace".)
        try lab.container.check(["ip", "route", "del", "default"])
        let config = lab.config("sbr", ["gateways": ["10.1.0.254", "fd01::fe"], "addSourceHints": true])
        try lab.add("sbr", config: config)
        let state = try Self.routing(lab)
        #expect(state.contains("route default via 10.1.0.254 dev eth0 table 100"))
        #expect(state.contains { $0.hasPrefix("route default via fd01::fe dev eth0 table 101") })
        // The subnet route stays in main with the address as source; the gateway routes left it.
        #expect(state.contains("route 10.1.0.0/24 dev eth0 scope link src 10.1.0.2"), "\(state)")
        #expect(!state.contains { $0.hasPrefix("route 192.168.50.0/24") && !$0.contains("table") })
        #expect(try lab.run("CHECK", "sbr", config: config).status == 0)
        for bad in [["gateways": ["10.0.0.1", "10.0.0.2"]], ["gateways": ["x"]], ["gateways": ["10.0.0.1", "fd00::1", "10.0.0.3"]], ["table": 0]] as [[String: Any]] {
            let out = try lab.run("ADD", "sbr", config: lab.config("sbr", bad))
            #expect(out.status == 1 && jsonObject(out.stdout)?["code"] as? Int == 7, "\(bad): \(out.stdout)")
        }
    }

    /// A failed ADD takes its rules and copied routes away and puts the main table back.
    @Test func failedAddRollsBack() throws {
        let lab = try ChainLab("sbr")
        defer { lab.delete() }
        let before = try Self.routing(lab)
        // The IPv6 gateway is not reachable on the link: its default route fails after the IPv4
        // address's rule, table and the IPv6 rule were made.
        var prev = lab.prevResult()
        var ips = prev["ips"] as! [[String: Any]]
        ips[1]["gateway"] = "fd99::1"
        prev["ips"] = ips
        let out = try lab.run("ADD", "sbr", config: lab.config("sbr", prevResult: prev))
        #expect(out.status == 1, "\(out.stdout)")
        #expect(try Self.routing(lab) == before)
        #expect(try lab.run("ADD", "sbr", config: lab.config("sbr", [:], withPrevResult: false)).stdout.contains("must be called as chained plugin"))
    }

    @Test func checkAndDeleteEdgeCases() throws {
        let lab = try ChainLab("sbr")
        defer { lab.delete() }
        let config = lab.config("sbr")
        try lab.add("sbr", config: config)
        #expect(try lab.run("CHECK", "sbr", config: config).status == 0)
        try lab.container.check(["ip", "rule", "del", "from", "10.1.0.2", "table", "100"])
        #expect(try lab.run("CHECK", "sbr", config: config).stdout.contains("no rule routes traffic from 10.1.0.2"))
        #expect(try lab.run("DEL", "sbr", config: config).status == 0)
        #expect(try lab.run("DEL", "sbr", config: config).status == 0)
        lab.container.delete()
        #expect(try lab.run("DEL", "sbr", config: config).status == 0)
    }
}
