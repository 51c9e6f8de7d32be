import CNITestSupport
import Foundation
import Testing

/// vlan, ipvlan and dummy: the link kinds this machine's kernel lacks, so these run in the VM
/// (scripts/vm/test.sh). Few and focused: each exec costs a fraction of a second under emulation.
@Suite(.needsKernel(.dummy, .vlan, .ipvlan), .serialized)
struct InterfacePluginsVMTests {
    static let debian = FileManager.default.isExecutableFile(atPath: Binaries.referenceDirectory + "/vlan")

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
        if Self.debian {
            let reference = try InterfaceLab(plugin: "vlan", binary: Binaries.referenceDirectory + "/vlan", cniPath: Binaries.referenceDirectory)
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
    }
}
