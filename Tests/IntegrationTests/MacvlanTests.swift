import CNITestSupport
import Foundation
import Testing

/// macvlan against the kernel: every option, the verbs, rollback, and two containers on one
/// uplink talking to each other. The node is a throwaway namespace with a veth uplink.
@Suite(.enabled(if: isPrivileged), .serialized)
struct MacvlanTests {
    @Test func bridgeModeContainersReachEachOther() throws {
        let lab = try InterfaceLab(plugin: "macvlan")
        defer { lab.delete() }
        let (a, b) = (try lab.container(), try lab.container())
        let config = lab.config(["master": "uplink0"])
        let ra = try lab.add(a, config, id: "a")
        let rb = try lab.add(b, config, id: "b")
        let ipB = (rb["ips"] as? [[String: Any]])?.first?["address"] as? String ?? ""
        let target = String(ipB.split(separator: "/")[0])
        #expect((ra["ips"] as? [[String: Any]])?.count == 1)
        let ping = try a.run(["ping", "-c", "1", "-W", "2", target])
        #expect(ping.succeeded, "\(ping.stdout)")
        for (ns, id) in [(a, "a"), (b, "b")] { #expect(try lab.run("DEL", ns, config, id: id).status == 0) }
        #expect(lab.leases() == [])
    }

    @Test func everyOptionReachesTheKernel() throws {
        let lab = try InterfaceLab(plugin: "macvlan")
        defer { lab.delete() }
        let ctr = try lab.container()
        // mode, mtu, mac, bcqueuelen; CNI_ARGS MAC overrides `mac`, runtimeConfig.mac overrides both.
        let config = lab.config([
            "master": "uplink0", "mode": "private", "mtu": 1400, "mac": "02:00:00:00:00:01", "bcqueuelen": 321,
            "runtimeConfig": ["mac": "02:00:00:00:00:03"],
        ], ipam: nil)
        let result = try lab.add(ctr, config, args: "IgnoreUnknown=1;MAC=02:00:00:00:00:02")
        let link = try #require(InterfaceLab.link(ctr, "eth0"))
        #expect(link["linkinfo", "info_data", "mode"] as? String == "private")
        #expect(link["linkinfo", "info_data", "bcqueuelen"] as? Int == 321)
        #expect(link["mtu"] as? Int == 1400)
        #expect(link["address"] as? String == "02:00:00:00:00:03")
        #expect((link["flags"] as? [String])?.contains("UP") == true)  // L2 only: just up
        #expect((result["interfaces"] as? [[String: Any]])?.first?["mac"] as? String == "02:00:00:00:00:03")
        #expect(result["ips"] == nil)
        let check = lab.config(["master": "uplink0", "mode": "private", "prevResult": result], ipam: nil)
        #expect(try lab.run("CHECK", ctr, check).status == 0)
        // CHECK sees a mode that is not the config's.
        let wrongMode = lab.config(["master": "uplink0", "mode": "vepa", "prevResult": result], ipam: nil)
        #expect(InterfaceLab.code(try lab.run("CHECK", ctr, wrongMode)) == 999)
        #expect(try lab.run("DEL", ctr, config).status == 0)
        #expect(InterfaceLab.link(ctr, "eth0") == nil)

        // CNI_ARGS alone, without runtimeConfig; vepa; the master from the default route.
        try lab.host.check(["ip", "addr", "add", "10.99.0.1/24", "dev", "uplink0"])
        try lab.host.check(["ip", "route", "add", "default", "via", "10.99.0.254", "dev", "uplink0"])
        let byRoute = lab.config(["mode": "vepa", "mac": "02:00:00:00:00:01"], ipam: nil)
        try lab.add(ctr, byRoute, args: "MAC=02:00:00:00:00:02")
        let second = try #require(InterfaceLab.link(ctr, "eth0"))
        #expect(second["address"] as? String == "02:00:00:00:00:02")
        #expect(second["linkinfo", "info_data", "mode"] as? String == "vepa")
        #expect(second["link_netnsid"] != nil)
        #expect(try lab.run("DEL", ctr, byRoute).status == 0)
    }

    @Test func passthruAndMasterInTheContainer() throws {
        let lab = try InterfaceLab(plugin: "macvlan")
        defer { lab.delete() }
        let ctr = try lab.container()
        try ctr.check(["ip", "link", "add", "inner0", "type", "veth", "peer", "name", "inner1"])
        let config = lab.config(["master": "inner0", "linkInContainer": true, "mode": "passthru"], ipam: nil)
        try lab.add(ctr, config, ifName: "net1")
        let link = try #require(InterfaceLab.link(ctr, "net1"))
        #expect(link["linkinfo", "info_data", "mode"] as? String == "passthru")
        #expect(link["link"] as? String == "inner0")  // parent in the same namespace
        #expect(try lab.run("DEL", ctr, config, ifName: "net1").status == 0)
    }

    /// The node has a link named like the container's interface: the link is made under a
    /// temporary name and renamed inside the container.
    @Test func containerNameTakenOnTheNode() throws {
        let lab = try InterfaceLab(plugin: "macvlan")
        defer { lab.delete() }
        let ctr = try lab.container()
        try lab.host.check(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"])
        try lab.add(ctr, lab.config(["master": "uplink0"], ipam: nil))
        #expect(InterfaceLab.link(ctr, "eth0")?["linkinfo", "info_kind"] as? String == "macvlan")
        #expect(try InterfaceLab.links(ctr) == ["eth0"])
    }

    @Test func refusalsAndRollback() throws {
        let lab = try InterfaceLab(plugin: "macvlan")
        defer { lab.delete() }
        let ctr = try lab.container()
        // Config errors come before anything is made.
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config(["master": "uplink0", "mode": "x"]))) == 7)
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config(["master": "uplink0", "mtu": 9000]))) == 7)
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config(["master": "uplink0", "mtu": -1]))) == 7)
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config(["master": "uplink0", "mac": "ff:ff:ff:ff:ff:ff"]))) == 7)
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config(["master": "uplink0", "mtu": "1400"]))) == 6)
        // A master that is gone.
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config(["master": "gone0"]))) == 999)
        // An IPAM that fails after the link exists: the link goes again.
        let failing = lab.config(["master": "uplink0"], ipam: ["type": "no-such-ipam"])
        #expect(try lab.run("ADD", ctr, failing).status != 0)
        // An IPAM whose address cannot go on the link (an IPv6 address where IPv6 is off).
        try ctr.check(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        let v6 = lab.config(["master": "uplink0"], ipam: lab.ipam(["fd66::/64"]))
        let out = try lab.run("ADD", ctr, v6)
        #expect(out.status == 0 || lab.leases() == [])
        if out.status == 0 { try lab.run("DEL", ctr, v6) }
        #expect(try InterfaceLab.links(ctr) == [])
        #expect(lab.leases() == [])
        #expect(try InterfaceLab.links(lab.host).sorted() == ["uplink0", "wire0"])
    }

    /// Faults while the link exists: an IPAM that fails (its CNI error passed on), and a master
    /// that vanishes during ADD (IPAM deletes it, then leases an address): ADD fails with a CNI
    /// error and leaves no link and no lease.
    @Test func faultsDuringAddLeaveNothing() throws {
        let lab = try InterfaceLab(plugin: "macvlan")
        defer { lab.delete() }
        let ctr = try lab.container()
        let faulty = try lab.faultyRunner()
        try lab.expectCleanFailure(
            ctr, lab.config(["master": "uplink0"], ipam: ["type": "failing-ipam"]), runner: faulty, code: InterfaceLab.failingIPAMCode)
        #expect(try InterfaceLab.links(lab.host).sorted() == ["uplink0", "wire0"])
        var vanishing = lab.ipam()
        vanishing["type"] = "vanishing-ipam"
        try lab.expectCleanFailure(ctr, lab.config(["master": "uplink0"], ipam: vanishing), runner: faulty)
        #expect(try InterfaceLab.links(lab.host) == [], "the master (and its veth peer) went during ADD")
    }

    @Test func delWithoutNamespaceTwiceAndGCStatus() throws {
        let lab = try InterfaceLab(plugin: "macvlan")
        defer { lab.delete() }
        let ctr = try lab.container()
        let config = lab.config(["master": "uplink0"], version: "1.1.0")
        try lab.add(ctr, config)
        #expect(lab.leases() == ["10.66.0.2"])
        // The master goes away: DEL reads no macvlan option, so it still cleans up.
        try lab.host.check(["ip", "link", "del", "uplink0"])
        ctr.delete()
        #expect(try lab.run("DEL", nil, config).status == 0)
        #expect(try lab.run("DEL", ctr, config).status == 0)
        #expect(lab.leases() == [])
        #expect(try lab.run("STATUS", nil, config).status == 0)
        #expect(try lab.run("GC", nil, config).status == 0)
    }
}
