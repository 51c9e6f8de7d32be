import CNITestSupport
import Foundation
import Testing

/// vlan, ipvlan and dummy: the link kinds this machine's kernel lacks, so these run in the VM
/// (scripts/vm/test.sh). Few and focused: each exec costs a fraction of a second under emulation.
@Suite(.needsKernel(.dummy, .vlan, .ipvlan), .serialized)
struct InterfacePluginsVMTests {
    /// A lab run by Debian's `plugin` (the test fails, saying so, where it is missing).
    static func referenceLab(_ plugin: String) throws -> InterfaceLab {
        try InterfaceLab(plugin: plugin, binary: Binaries.requireReference(plugin), cniPath: Binaries.referenceDirectory)
    }

    /// `mtu` and `mode: l3s` beside Debian's: the same result and the same link; CHECK passes and
    /// each side's DEL removes what the other added.
    @Test func ipvlanMTUAndL3SBesideDebian() throws {
        let ours = try InterfaceLab(plugin: "ipvlan")
        let theirs = try Self.referenceLab("ipvlan")
        defer { ours.delete(); theirs.delete() }
        let (a, b) = (try ours.container(), try theirs.container())
        let options: [String: Any] = ["master": "uplink0", "mode": "l3s", "mtu": 1400]
        let (configA, configB) = (ours.config(options), theirs.config(options))
        let r1 = try ours.add(a, configA)
        let r2 = try theirs.add(b, configB)
        let link = try #require(InterfaceLab.link(a, "eth0"))
        #expect(link["linkinfo", "info_data", "mode"] as? String == "l3s" && link["mtu"] as? Int == 1400, "\(link)")
        #expect(InterfaceReferenceTests.normalized(r1, a) == InterfaceReferenceTests.normalized(r2, b))
        #expect(try InterfaceReferenceTests.state(a, "eth0") == InterfaceReferenceTests.state(b, "eth0"))
        let (checkA, checkB) = (try PTPNetwork.adding(prevResult: PTPNetwork.json(r1), to: configA),
                                try PTPNetwork.adding(prevResult: PTPNetwork.json(r2), to: configB))
        #expect(try ours.run("CHECK", a, checkA).status == 0)
        #expect(try ours.run("CHECK", b, checkB).status == 0, "ours checks what Debian's added")
        #expect(try theirs.run("DEL", a, checkA).status == 0)
        #expect(try ours.run("DEL", b, checkB).status == 0)
        #expect(try InterfaceLab.links(a) == [] && InterfaceLab.links(b) == [])
        #expect(ours.leases() == [] && theirs.leases() == [])
    }

    /// `linkInContainer`: the master is a link of the container's own; then the faults during ADD
    /// (an IPAM that fails, a master that vanishes): a CNI error, no link, no lease.
    @Test func ipvlanLinkInContainerAndFaults() throws {
        let lab = try InterfaceLab(plugin: "ipvlan")
        defer { lab.delete() }
        let ctr = try lab.container()
        try ctr.check(["ip", "link", "add", "inner0", "type", "veth", "peer", "name", "inner1"])
        let config = lab.config(["master": "inner0", "linkInContainer": true, "mode": "l2"])
        let result = try lab.add(ctr, config, ifName: "net1")
        let link = try #require(InterfaceLab.link(ctr, "net1"))
        #expect(link["linkinfo", "info_kind"] as? String == "ipvlan")
        #expect(link["link"] as? String == "inner0" && link["link_netnsid"] == nil, "parent in the same namespace: \(link)")
        let withPrev = try PTPNetwork.adding(prevResult: PTPNetwork.json(result), to: config)
        #expect(try lab.run("CHECK", ctr, withPrev, ifName: "net1").status == 0)
        #expect(try lab.run("DEL", ctr, withPrev, ifName: "net1").status == 0)
        // The node has no inner0: without linkInContainer the master is not found, nothing made.
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config(["master": "inner0"]), ifName: "net1")) == 999)
        let inner = ["inner0", "inner1"]
        #expect(try InterfaceLab.links(ctr).sorted() == inner && lab.leases() == [])

        let faulty = try lab.faultyRunner()
        try lab.expectCleanFailure(
            ctr, lab.config(["master": "uplink0"], ipam: ["type": "failing-ipam"]), runner: faulty, code: InterfaceLab.failingIPAMCode,
            keep: inner)
        var vanishing = lab.ipam()
        vanishing["type"] = "vanishing-ipam"
        try lab.expectCleanFailure(ctr, lab.config(["master": "uplink0"], ipam: vanishing), runner: faulty, keep: inner)
        #expect(try InterfaceLab.links(lab.host) == [], "the master went during ADD")
    }

    /// vlan's `linkInContainer` and `dns`; `dns` beside Debian's (1.1.1 predates
    /// `linkInContainer`); a master that vanishes during ADD leaves nothing.
    @Test func vlanLinkInContainerDNSAndVanishingMaster() throws {
        let lab = try InterfaceLab(plugin: "vlan")
        defer { lab.delete() }
        let ctr = try lab.container()
        // A VLAN link goes up only on a master that is up.
        try ctr.check(["/bin/sh", "-c", "ip link add inner0 type veth peer name inner1 && ip link set inner0 up && ip link set inner1 up"])
        let dns: [String: Any] = ["nameservers": ["10.66.0.53"], "domain": "pod.test", "search": ["pod.test"], "options": ["ndots:2"]]
        let config = lab.config(["master": "inner0", "linkInContainer": true, "vlanId": 7, "dns": dns])
        let result = try lab.add(ctr, config, ifName: "net1")
        let link = try #require(InterfaceLab.link(ctr, "net1"))
        #expect(link["linkinfo", "info_data", "id"] as? Int == 7)
        #expect(link["link"] as? String == "inner0" && link["link_netnsid"] == nil, "parent in the same namespace: \(link)")
        #expect(PTPNetwork.json(result["dns"] ?? [:]) == PTPNetwork.json(dns))
        let withPrev = try PTPNetwork.adding(prevResult: PTPNetwork.json(result), to: config)
        #expect(try lab.run("CHECK", ctr, withPrev, ifName: "net1").status == 0)
        #expect(try lab.run("DEL", ctr, withPrev, ifName: "net1").status == 0)
        #expect(try InterfaceLab.links(ctr).sorted() == ["inner0", "inner1"] && lab.leases() == [])

        // dns on the node's uplink, beside Debian's: the same result.
        let reference = try Self.referenceLab("vlan")
        defer { reference.delete() }
        let other = try reference.container()
        let onUplink: [String: Any] = ["master": "uplink0", "vlanId": 7, "dns": dns]
        // A subnet of its own, so that both leases start afresh at .2.
        let (ourConfig, theirConfig) = (lab.config(onUplink, ipam: lab.ipam(["10.66.7.0/24"])),
                                        reference.config(onUplink, ipam: reference.ipam(["10.66.7.0/24"])))
        let ours = try lab.add(ctr, ourConfig)
        let theirs = try reference.add(other, theirConfig)
        #expect(InterfaceReferenceTests.normalized(ours, ctr) == InterfaceReferenceTests.normalized(theirs, other))
        #expect(try lab.run("DEL", ctr, ourConfig).status == 0)

        var vanishing = lab.ipam()
        vanishing["type"] = "vanishing-ipam"
        try lab.expectCleanFailure(
            ctr, lab.config(["master": "uplink0", "vlanId": 7], ipam: vanishing), runner: try lab.faultyRunner(), keep: ["inner0", "inner1"])
        #expect(try InterfaceLab.links(lab.host) == [], "the master went during ADD")
    }

    /// Frames leave the uplink tagged: the far end of the cable answers only on its own VLAN 42
    /// interface, so a ping that gets through was tagged 42. Beside Debian's: same result and link.
    @Test func vlanTagsFramesOnTheUplink() throws {
        let lab = try InterfaceLab(plugin: "vlan")
        defer { lab.delete() }
        let ctr = try lab.container()
        let far = try lab.container()
        try lab.host.check(["ip", "link", "set", "wire0", "netns", far.path])
        try far.check(["/bin/sh", "-c",
            "ip link set wire0 up && ip link add link wire0 name wire0.42 type vlan id 42 && ip addr add 10.66.0.9/24 dev wire0.42 && ip link set wire0.42 up"])
        let config = lab.config(["master": "uplink0", "vlanId": 42, "mtu": 1400])
        let result = try lab.add(ctr, config)
        let link = try #require(InterfaceLab.link(ctr, "eth0"))
        #expect(link["linkinfo", "info_data", "id"] as? Int == 42 && link["mtu"] as? Int == 1400)
        #expect(try ctr.run(["ping", "-c", "1", "-W", "3", "10.66.0.9"]).succeeded)
        let withPrev = try PTPNetwork.adding(prevResult: PTPNetwork.json(result), to: config)
        #expect(try lab.run("CHECK", ctr, withPrev).status == 0)
        do {
            let reference = try Self.referenceLab("vlan")
            defer { reference.delete() }
            let other = try reference.container()
            let theirs = try reference.add(other, reference.config(["master": "uplink0", "vlanId": 42, "mtu": 1400]))
            #expect(InterfaceReferenceTests.normalized(result, ctr) == InterfaceReferenceTests.normalized(theirs, other))
            #expect(try InterfaceReferenceTests.state(ctr, "eth0") == InterfaceReferenceTests.state(other, "eth0"))
        }
        #expect(try lab.run("DEL", ctr, withPrev).status == 0)
        // IPAM fails after the link exists: the link goes again; no IPAM at all: refused first.
        #expect(try lab.run("ADD", ctr, lab.config(["master": "uplink0", "vlanId": 42], ipam: ["type": "no-such-ipam"])).status != 0)
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config(["master": "uplink0", "vlanId": 42], ipam: nil))) == 7)
        #expect(try InterfaceLab.links(ctr) == [] && lab.leases() == [])
    }

    /// Two containers on one uplink reach each other in l2 and in l3 mode; a chained ipvlan takes
    /// its master and addresses from `prevResult`.
    @Test func ipvlanL2L3AndChained() throws {
        let lab = try InterfaceLab(plugin: "ipvlan")
        defer { lab.delete() }
        for (mode, subnet) in [("l2", "10.66.1.0/24"), ("l3", "10.66.2.0/24")] {
            let (a, b) = (try lab.container(), try lab.container())
            let config = lab.config(["master": "uplink0", "mode": mode], ipam: lab.ipam([subnet]))
            try lab.add(a, config, id: "a-\(mode)")
            let rb = try lab.add(b, config, id: "b-\(mode)")
            let target = String(((rb["ips"] as? [[String: Any]])?.first?["address"] as? String ?? "").split(separator: "/")[0])
            #expect(try a.run(["ping", "-c", "1", "-W", "3", target]).succeeded, "ipvlan \(mode)")
            #expect(InterfaceLab.link(a, "eth0")?["linkinfo", "info_data", "mode"] as? String == mode)
            #expect(try lab.run("DEL", a, config, id: "a-\(mode)").status == 0)
        }
        // Chained: no master, no ipam.
        let ctr = try lab.container()
        let previous: [String: Any] = [
            "cniVersion": "1.0.0", "interfaces": [["name": "uplink0"]], "ips": [["address": "10.66.3.5/24", "interface": 0]],
        ]
        let chained = lab.config(["prevResult": previous], ipam: nil)
        let result = try lab.add(ctr, chained, ifName: "net1")
        #expect((result["ips"] as? [[String: Any]])?.first?["address"] as? String == "10.66.3.5/24")
        #expect(InterfaceLab.link(ctr, "net1")?["link_netnsid"] != nil)
        #expect(try lab.run("DEL", ctr, chained, ifName: "net1").status == 0)
    }

    @Test func dummyAddCheckDel() throws {
        let lab = try InterfaceLab(plugin: "dummy", uplink: false)
        defer { lab.delete() }
        let ctr = try lab.container()
        let config = lab.config([:], ipam: lab.ipam(["10.66.4.0/24"]))
        let result = try lab.add(ctr, config)
        #expect(InterfaceLab.link(ctr, "eth0")?["linkinfo", "info_kind"] as? String == "dummy")
        let withPrev = try PTPNetwork.adding(prevResult: PTPNetwork.json(result), to: config)
        #expect(try lab.run("CHECK", ctr, withPrev).status == 0)
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config([:], ipam: nil), ifName: "eth1")) == 7)
        #expect(try lab.run("DEL", ctr, withPrev).status == 0)
        #expect(try InterfaceLab.links(ctr) == [] && lab.leases() == [])
        // An IPAM that fails after the dummy exists: its error passed on, the dummy gone.
        try lab.expectCleanFailure(
            ctr, lab.config([:], ipam: ["type": "failing-ipam"]), runner: try lab.faultyRunner(), code: InterfaceLab.failingIPAMCode)
    }
}
