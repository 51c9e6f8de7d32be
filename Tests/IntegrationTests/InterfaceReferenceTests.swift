import CNITestSupport
import Foundation
import Testing

/// macvlan and host-device beside Debian's (`/usr/lib/cni`, 1.1.1): the same result and the
/// same links for the same request, and each deletes what the other added.
/// Where Debian's binary is missing each test fails saying so (``Binaries/requireReference(_:sourceLocation:)``).
@Suite(.enabled(if: isPrivileged), .serialized)
struct InterfaceReferenceTests {
    /// A result with the random parts (MACs, namespace names) replaced.
    static func normalized(_ result: [String: Any], _ ns: TestNamespace) -> String {
        PTPNetwork.json(result).replacingOccurrences(of: ns.name, with: "NETNS")
            .replacingOccurrences(of: #"([0-9a-f]{2}:){5}[0-9a-f]{2}"#, with: "MAC", options: .regularExpression)
    }

    /// What the container holds: the interface's kind and settings (`ip -d`), addresses, routes.
    static func state(_ ns: TestNamespace, _ dev: String) throws -> [String] {
        let link = InterfaceLab.link(ns, dev) ?? [:]
        var lines = [
            "kind \(link["linkinfo", "info_kind"] ?? "-") data \(PTPNetwork.json(link["linkinfo", "info_data"] ?? [:]))",
            "mtu \(link["mtu"] ?? "-") flags \((link["flags"] as? [String] ?? []).sorted())",
        ]
        let addrs = try ns.ipJSON(["addr", "show", "dev", dev]).first?["addr_info"] as? [[String: Any]] ?? []
        lines += addrs.filter { $0["scope"] as? String == "global" }.map { "addr \($0["local"]!)/\($0["prefixlen"]!)" }
        lines += try routeLines(ns, family: "-4") + routeLines(ns, family: "-6").filter { !$0.hasPrefix("fe80") }
        return lines
    }

    @Test(arguments: ["0.3.1", "1.0.0"])
    func macvlanSameResultAndState(version: String) throws {
        let ours = try InterfaceLab(plugin: "macvlan")
        let theirs = try InterfaceLab(plugin: "macvlan", binary: Binaries.requireReference("macvlan"), cniPath: Binaries.referenceDirectory)
        defer { ours.delete(); theirs.delete() }
        let (a, b) = (try ours.container(), try theirs.container())
        let extra: [String: Any] = ["master": "uplink0", "mode": "vepa", "mtu": 1400, "dns": ["nameservers": ["10.66.0.53"]]]
        let ipam = { (lab: InterfaceLab) in lab.ipam(["10.66.0.0/24"], routes: ["0.0.0.0/0", "192.168.9.0/24"]) }
        let r1 = try ours.add(a, ours.config(extra, ipam: ipam(ours), version: version))
        let r2 = try theirs.add(b, theirs.config(extra, ipam: ipam(theirs), version: version))
        #expect(Self.normalized(r1, a) == Self.normalized(r2, b))
        #expect(try Self.state(a, "eth0") == Self.state(b, "eth0"))
        // L2 only.
        let l2 = ["master": "uplink0"]
        let s1 = try ours.add(a, ours.config(l2, ipam: nil, version: version), ifName: "net1")
        let s2 = try theirs.add(b, theirs.config(l2, ipam: nil, version: version), ifName: "net1")
        #expect(Self.normalized(s1, a) == Self.normalized(s2, b))
        #expect(try Self.state(a, "net1") == Self.state(b, "net1"))
    }

    @Test(arguments: [true, false])
    func macvlanEachDeletesWhatTheOtherAdded(referenceAdds: Bool) throws {
        let lab = try InterfaceLab(plugin: "macvlan")
        defer { lab.delete() }
        let ctr = try lab.container()
        let reference = lab.runner(binary: try Binaries.requireReference("macvlan"), cniPath: Binaries.referenceDirectory)
        let (adder, deleter) = referenceAdds ? (reference, lab.runner) : (lab.runner, reference)
        let config = lab.config(["master": "uplink0"])
        let add = try lab.run("ADD", ctr, config, runner: adder)
        try #require(add.status == 0, "\(add.stdout)")
        let withPrev = try PTPNetwork.adding(prevResult: add.stdout, to: config)
        #expect(try lab.run("CHECK", ctr, withPrev, runner: deleter).status == 0)
        #expect(try lab.run("DEL", ctr, withPrev, runner: deleter).status == 0)
        #expect(try InterfaceLab.links(ctr) == [])
        #expect(lab.leases() == [])
    }

    @Test func hostDeviceSameResultAndEachMovesTheOthersBack() throws {
        let ours = try InterfaceLab(plugin: "host-device")
        let theirs = try InterfaceLab(
            plugin: "host-device", binary: Binaries.requireReference("host-device"), cniPath: Binaries.referenceDirectory)
        defer { ours.delete(); theirs.delete() }
        let (a, b) = (try ours.container(), try theirs.container())
        let config = { (lab: InterfaceLab) in lab.config(["device": "uplink0"], ipam: lab.ipam(["10.66.0.0/24"])) }
        let r1 = try ours.add(a, config(ours), ifName: "net1")
        let r2 = try theirs.add(b, config(theirs), ifName: "net1")
        #expect(Self.normalized(r1, a) == Self.normalized(r2, b))
        #expect(try Self.state(a, "net1") == Self.state(b, "net1"))
        // Ours takes back what Debian's moved in, and the reverse.
        #expect(try ours.run("DEL", b, PTPNetwork.adding(prevResult: PTPNetwork.json(r2), to: config(theirs)), ifName: "net1").status == 0)
        #expect(try theirs.run("DEL", a, PTPNetwork.adding(prevResult: PTPNetwork.json(r1), to: config(ours)), ifName: "net1").status == 0)
        for lab in [ours, theirs] {
            #expect(InterfaceLab.link(lab.host, "uplink0") != nil)
        }
        #expect(try InterfaceLab.links(a) == [] && InterfaceLab.links(b) == [])
    }
}
