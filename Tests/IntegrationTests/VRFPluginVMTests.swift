import CNITestSupport
import Foundation
import Testing

/// `vrf` on a kernel with VRF devices (the VM's: this machine's kernel has none), beside Debian's
/// 1.1.1. Kept to three tests: each costs seconds under emulation.
@Suite(.needsKernel(.vrf), .serialized)
struct VRFPluginVMTests {

    /// `ip -d link`, addresses and the routes of `table`, as text lines.
    static func state(_ lab: ChainLab, table: String) throws -> [String] {
        let vrf = try lab.link("blue")
        let eth0 = try lab.link("eth0")
        var lines = ["vrf \(vrf["linkinfo", "info_kind"] ?? "?") table \(vrf["linkinfo", "info_data", "table"] ?? "?") \((vrf["flags"] as? [String] ?? []).contains("UP"))"]
        lines.append("eth0 master \(eth0["master"] ?? "none")")
        let addrs = try lab.container.ipJSON(["addr", "show", "dev", "eth0"]).first?["addr_info"] as? [[String: Any]] ?? []
        lines += addrs.filter { $0["scope"] as? String == "global" }.map { "addr \($0["local"]!)/\($0["prefixlen"]!)" }.sorted()
        for family in ["-4", "-6"] {
            lines += try lab.container.check(["ip", family, "route", "show", "table", table]).split(separator: "\n")
                .filter { !$0.hasPrefix("multicast") && !$0.hasPrefix("fe80") }.map { "route \($0.trimmingCharacters(in: .whitespaces))" }.sorted()
        }
        return lines
    }

    @Test func enslavesMovesRoutesAndEachDeletesTheOthers() throws {
        let lab = try ChainLab("vrf")
        defer { lab.delete() }
        let config = lab.config("vrf", ["vrfname": "blue"])
        let result = try lab.add("vrf", config: config)
        #expect((result["ips"] as? [Any])?.count == 2)
        let state = try Self.state(lab, table: "1")
        #expect(state.contains("vrf vrf table 1 true") && state.contains("eth0 master blue"), "\(state)")
        #expect(state.contains("addr fd01::2/64"), "the IPv6 address is put back: \(state)")
        #expect(state.contains("route default via 10.1.0.1 dev eth0"), "\(state)")
        #expect(state.contains("route 192.168.50.0/24 via 10.1.0.1 dev eth0"), "\(state)")
        #expect(state.contains { $0.hasPrefix("route 10.1.0.0/24 dev eth0 proto kernel scope link src 10.1.0.2") })
        #expect(try lab.container.check(["ip", "route", "show", "table", "main"]).isEmpty)
        // Routing in the VRF works: the gateway answers from inside it.
        #expect(try lab.container.run(["ip", "vrf", "exec", "blue", "ping", "-c1", "-W2", "10.1.0.1"]).succeeded)
        #expect(try lab.run("CHECK", "vrf", config: config).status == 0)

        // Debian's DEL undoes ours, and ours undoes Debian's ADD (1.1.1 leaves the static routes
        // behind in main, as the reference did before HEAD: only the kernel's move to the VRF).
        _ = try Binaries.requireReference("vrf")
        #expect(try lab.run("DEL", "vrf", reference: true, config: config).status == 0)
        #expect(try lab.link("eth0")["master"] == nil && !lab.hasLink("blue"))
        let theirs = try lab.add("vrf", reference: true, config: config)
        #expect(ChainLab.json(theirs) == ChainLab.json(result))
        #expect(try Self.state(lab, table: "1").prefix(2) == state.prefix(2))
        #expect(try lab.run("CHECK", "vrf", config: config).status == 0)
        #expect(try lab.run("DEL", "vrf", config: config).status == 0)
        #expect(try lab.link("eth0")["master"] == nil && !lab.hasLink("blue"))
    }

    /// A configured `table`: the VRF is made with that table and the container's routes move
    /// there; Debian's makes the same VRF for the same config, and each side's DEL removes the
    /// other's.
    @Test func configuredTableBesideDebian() throws {
        _ = try Binaries.requireReference("vrf")
        var results: [String] = []
        var states: [[String]] = []
        for debian in [false, true] {
            let lab = try ChainLab("vrf")
            defer { lab.delete() }
            let config = lab.config("vrf", ["vrfname": "blue", "table": 42])
            let result = try lab.add("vrf", reference: debian, config: config)
            results.append(ChainLab.json(result).replacingOccurrences(of: lab.container.name, with: "NETNS"))
            let state = try Self.state(lab, table: "42")
            states.append(state)
            let who = debian ? "Debian's" : "ours"
            #expect(state.contains("vrf vrf table 42 true") && state.contains("eth0 master blue"), "\(who): \(state)")
            #expect(state.contains { $0.hasPrefix("route 10.1.0.0/24 dev eth0 proto kernel scope link src 10.1.0.2") }, "\(who): \(state)")
            if !debian {
                #expect(state.contains("route default via 10.1.0.1 dev eth0"), "\(state)")
                #expect(state.contains("route 192.168.50.0/24 via 10.1.0.1 dev eth0"), "\(state)")
            }
            #expect(try lab.run("CHECK", "vrf", config: config).status == 0, "ours checks \(who)")
            #expect(try lab.run("DEL", "vrf", reference: !debian, config: config).status == 0)
            #expect(try lab.link("eth0")["master"] == nil && !lab.hasLink("blue"))
        }
        #expect(results.count == 2 && results[0] == results[1])
        #expect(states.count == 2 && states[0].prefix(2) == states[1].prefix(2))
    }

    @Test func sharedVRFTablesRollbackAndRefusals() throws {
        let lab = try ChainLab("vrf")
        defer { lab.delete() }
        try Command.check(["ip", "-n", lab.host.name, "link", "add", "vh1", "type", "veth", "peer", "name", "net1", "netns", lab.container.name])
        try lab.container.check(["ip", "link", "add", "red", "type", "vrf", "table", "1"])
        // A free table: 1 is red's.
        let config = lab.config("vrf", ["vrfname": "blue"])
        try lab.add("vrf", config: config)
        #expect(try lab.link("blue")["linkinfo", "info_data", "table"] as? Int == 2)
        // A second interface joins the same VRF; DEL of the first keeps it, of the last removes it.
        try lab.run("ADD", "vrf", config: config, ifName: "net1")
        #expect(try lab.link("net1")["master"] as? String == "blue")
        #expect(try lab.run("DEL", "vrf", config: config).status == 0)
        #expect(try lab.hasLink("blue"))
        #expect(try lab.run("DEL", "vrf", config: config, ifName: "net1").status == 0)
        #expect(try !lab.hasLink("blue"))

        // Refusals leave nothing: another table for an existing VRF, an interface in a VRF already.
        let mismatch = try lab.run("ADD", "vrf", config: lab.config("vrf", ["vrfname": "red", "table": 7]))
        #expect(mismatch.status == 1 && mismatch.stdout.contains("already exist with different routing table 1"))
        try lab.container.check(["ip", "link", "set", "net1", "master", "red"])
        let taken = try lab.run("ADD", "vrf", config: lab.config("vrf", ["vrfname": "green", "table": 9]), ifName: "net1")
        #expect(taken.status == 1 && taken.stdout.contains("has already a master set: red"))
        #expect(try !lab.hasLink("green"), "the VRF made for a failed ADD is gone")
        #expect(try lab.run("ADD", "vrf", config: lab.config("vrf", [:])).stdout.contains("valid vrf name"))
        lab.container.delete()
        #expect(try lab.run("DEL", "vrf", config: config).status == 0)
    }
}

/// What the host run checks of vrf on a kernel without VRF devices: ADD fails cleanly (nothing
/// left in the namespace) and DEL still succeeds.
@Suite(.enabled(if: isPrivileged && !KernelFeature.vrf.isAvailable))
struct VRFWithoutKernelSupportTests {
    @Test func addFailsCleanly() throws {
        let lab = try ChainLab("vrf")
        defer { lab.delete() }
        let before = try lab.container.ipJSON(["link", "show"]).count
        let config = lab.config("vrf", ["vrfname": "blue", "table": 10])
        let out = try lab.run("ADD", "vrf", config: config)
        #expect(out.status == 1 && jsonObject(out.stdout)?["code"] as? Int == 999, "\(out.stdout)")
        #expect(try lab.container.ipJSON(["link", "show"]).count == before)
        #expect(try lab.run("DEL", "vrf", config: config).status == 0)
    }
}
