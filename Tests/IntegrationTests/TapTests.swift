import CNITestSupport
import Foundation
import Testing

/// tap against the kernel: the device flags the reference would give, owner and group, bridge
/// port, MTU and MAC, L2 and IPAM, DEL.
@Suite(.enabled(if: isPrivileged), .serialized)
struct TapTests {
    @Test func everyOption() throws {
        let lab = try InterfaceLab(plugin: "tap", uplink: false)
        defer { lab.delete() }
        let ctr = try lab.container()
        try ctr.check(["ip", "link", "add", "br1", "type", "bridge"])
        let config = lab.config([
            "owner": 1000, "group": 1001, "mtu": 1400, "mac": "02:00:00:00:00:07", "bridge": "br1", "multiQueue": true,
        ])
        let result = try lab.add(ctr, config, ifName: "tap0")
        let link = try #require(InterfaceLab.link(ctr, "tap0"))
        let data = link["linkinfo", "info_data"] as? [String: Any] ?? [:]
        #expect(data["type"] as? String == "tap" && data["persist"] as? Bool == true)
        #expect(data["multi_queue"] as? Bool == true && data["vnet_hdr"] as? Bool == true && data["pi"] as? Bool == false)
        #expect("\(data["user"] ?? "")" != "" && data["group"] != nil)
        #expect(link["mtu"] as? Int == 1400 && link["address"] as? String == "02:00:00:00:00:07")
        #expect(link["master"] as? String == "br1")
        #expect((result["ips"] as? [[String: Any]])?.count == 1)
        #expect(try lab.run("CHECK", ctr, PTPNetwork.adding(prevResult: PTPNetwork.json(result), to: config), ifName: "tap0").status == 0)
        #expect(try lab.run("DEL", ctr, config, ifName: "tap0").status == 0)
        #expect(InterfaceLab.link(ctr, "tap0") == nil)
        #expect(lab.leases() == [])

        // Without owner and group: `ip tuntap`'s flags (no pi, no vnet_hdr), nobody owns it; L2 only.
        let plain = lab.config([:], ipam: nil)
        try lab.add(ctr, plain, ifName: "tap1")
        let tap1 = try #require(InterfaceLab.link(ctr, "tap1"))
        #expect(tap1["linkinfo", "info_data", "pi"] as? Bool == false && tap1["linkinfo", "info_data", "vnet_hdr"] as? Bool == false)
        #expect(tap1["linkinfo", "info_data", "user"] == nil)
        #expect((tap1["flags"] as? [String])?.contains("UP") == true)
        // Owner and group, single queue: protocol information on, as the reference's netlink path.
        try lab.add(ctr, lab.config(["owner": 0, "group": 0], ipam: nil), ifName: "tap2")
        #expect(InterfaceLab.link(ctr, "tap2")?["linkinfo", "info_data", "pi"] as? Bool == true)
        // A name in use, an unknown bridge, an SELinux label: refused, nothing left.
        #expect(try lab.run("ADD", ctr, plain, ifName: "tap1").status != 0)
        #expect(try lab.run("ADD", ctr, lab.config(["bridge": "nobr"], ipam: nil), ifName: "tap3").status != 0)
        #expect(try lab.run("ADD", ctr, lab.config(["selinuxContext": "system_u:system_r:container_t:s0"], ipam: nil), ifName: "tap3").status != 0)
        #expect(try InterfaceLab.links(ctr).sorted() == ["br1", "tap1", "tap2"])
        for name in ["tap1", "tap2"] { #expect(try lab.run("DEL", ctr, plain, ifName: name).status == 0) }
        ctr.delete()
        #expect(try lab.run("DEL", ctr, plain, ifName: "tap1").status == 0)
    }

    /// An IPAM that fails after the tap exists: its CNI error passed on, the tap removed, the
    /// bridge it joined left as it was.
    @Test func failingIPAMLeavesNoTap() throws {
        let lab = try InterfaceLab(plugin: "tap", uplink: false)
        defer { lab.delete() }
        let ctr = try lab.container()
        try ctr.check(["ip", "link", "add", "br1", "type", "bridge"])
        let config = lab.config(["bridge": "br1", "mtu": 1400], ipam: ["type": "failing-ipam"])
        try lab.expectCleanFailure(ctr, config, runner: try lab.faultyRunner(), ifName: "tap0", code: InterfaceLab.failingIPAMCode, keep: ["br1"])
    }
}
