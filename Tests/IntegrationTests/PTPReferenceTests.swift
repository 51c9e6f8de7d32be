import CNITestSupport
import Foundation
import Testing

/// Our `ptp` beside Debian's (`/usr/lib/cni/ptp`, 1.1.1): the same result and the same kernel
/// and firewall state for the same request, and each tears down what the other set up.
@Suite(
    .enabled(if: isPrivileged && FileManager.default.fileExists(atPath: Binaries.referenceDirectory + "/ptp")),
    .serialized)
struct PTPReferenceTests {
    static let referencePTP = Binaries.referenceDirectory + "/ptp"

    /// `text` with the names and MACs that are random by design replaced by placeholders.
    static func normalized(_ text: String, veth: String, ns: TestNamespace) -> String {
        text.replacingOccurrences(of: veth, with: "VETH").replacingOccurrences(of: ns.path, with: "NETNS")
            .replacingOccurrences(of: ns.name, with: "NETNS")
            .replacingOccurrences(of: #"([0-9a-f]{2}:){5}[0-9a-f]{2}"#, with: "MAC", options: .regularExpression)
    }

    /// Everything the ADD left, as text: container and host routes, host veth addresses, nat rules.
    static func state(_ net: PTPNetwork, container: TestNamespace, veth: String) throws -> [String] {
        var lines: [String] = []
        for family in ["-4", "-6"] {
            lines += try routeLines(container, family: family).map { "container \($0)" }
            lines += try routeLines(net.host, family: family).map { "host \($0)" }
        }
        let addrs = try net.host.ipJSON(["addr", "show", "dev", veth]).first?["addr_info"] as? [[String: Any]] ?? []
        lines += addrs.filter { $0["scope"] as? String == "global" }.map { "host addr \($0["local"]!)/\($0["prefixlen"]!)" }
        let containerAddrs = try container.ipJSON(["addr", "show", "dev", "eth0"]).first?["addr_info"] as? [[String: Any]] ?? []
        lines += containerAddrs.filter { $0["scope"] as? String == "global" }.map { "container addr \($0["local"]!)/\($0["prefixlen"]!)" }
        lines += try net.host.masqueradeRules()
        return lines.map { normalized($0, veth: veth, ns: container) }
    }

    @Test(arguments: ["0.3.1", "1.0.0"])
    func sameResultAndStateAsTheReference(version: String) throws {
        try withTestNamespaces(4, prefix: "ptp") { ns in
            let ours = PTPNetwork(host: ns[0])
            let theirs = PTPNetwork(host: ns[1], binary: Self.referencePTP, cniPath: Binaries.referenceDirectory)
            // Debian's 1.1.1 knows only iptables (and ignores the key); ours would pick nftables on a fresh node.
            let extra: [String: Any] = [
                "ipMasq": true, "ipMasqBackend": "iptables", "mtu": 1400, "dns": ["nameservers": ["10.77.0.53"]],
            ]
            let subnets = ["10.77.0.0/24", "fd77::/64"]
            let routes = ["0.0.0.0/0", "192.168.50.0/24", "::/0"]
            let a = try ours.add(ns[2], config: ours.config(version: version, subnets: subnets, routes: routes, extra: extra))
            let b = try theirs.add(ns[3], config: theirs.config(version: version, subnets: subnets, routes: routes, extra: extra))
            #expect(Self.normalized(a.resultText, veth: a.hostVeth, ns: ns[2]) == Self.normalized(b.resultText, veth: b.hostVeth, ns: ns[3]))
            let ourState = try Self.state(ours, container: ns[2], veth: a.hostVeth)
            let theirState = try Self.state(theirs, container: ns[3], veth: b.hostVeth)
            #expect(ourState == theirState)
            #expect(try ns[2].ipJSON(["link", "show", "eth0"]).first?["mtu"] as? Int == 1400)
            // Both ends' queue length as the reference's (0; ip prints none then, 1000 is the kernel's default).
            let qlen = { (ns: TestNamespace, dev: String) throws in try ns.ipJSON(["-d", "link", "show", dev]).first?["txqlen"] as? Int ?? 0 }
            #expect(try qlen(ns[2], "eth0") == qlen(ns[3], "eth0"))
            #expect(try qlen(ns[0], a.hostVeth) == qlen(ns[1], b.hostVeth))
            #expect(try qlen(ns[2], "eth0") == 0)
        }
    }

    /// A node can mix the two binaries: either one's DEL removes what the other's ADD made, in the
    /// iptables layout (the only one Debian's 1.1.1 knows; a node with its chains keeps it by default).
    @Test(arguments: [true, false])
    func eachDeletesWhatTheOtherAdded(referenceAdds: Bool) throws {
        try withTestNamespaces(2, prefix: "ptp") { ns in
            let ours = PTPNetwork(host: ns[0])
            let reference = ours.with(binary: Self.referencePTP, cniPath: Binaries.referenceDirectory)
            let config = ours.config(
                version: "1.0.0", subnets: ["10.77.0.0/24", "fd77::/64"], extra: ["ipMasq": true, "ipMasqBackend": "iptables"])
            let (adder, deleter) = referenceAdds ? (reference, ours.runner) : (ours.runner, reference)
            let add = try adder.run("ADD", config: config, netns: ns[1].path)
            try #require(add.status == 0, "\(add.stdout)")
            #expect(ours.leases() == ["10.77.0.2", "fd77::2"])
            #expect(try !ours.host.masqueradeRules().isEmpty)
            let del = try PTPNetwork.adding(prevResult: add.stdout, to: config)
            #expect(try deleter.run("CHECK", config: del, netns: ns[1].path).status == 0)
            #expect(try deleter.run("DEL", config: del, netns: ns[1].path).status == 0)
            try ours.expectClean()
        }
    }
}
