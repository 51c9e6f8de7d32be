import CNITestSupport
import Foundation
import Testing

/// The built `ptp` binary with our `host-local`, each test in its own throwaway namespaces: one
/// as the plugin's host side, others as containers (and as a remote server).
@Suite(.enabled(if: isPrivileged), .serialized)
struct PTPTests {
    @Test func twoContainersReachTheHostAndEachOtherOverIPv4AndIPv6() throws {
        try withTestNamespaces(3, prefix: "ptp") { ns in
            let (host, one, two) = (ns[0], ns[1], ns[2])
            let net = PTPNetwork(host: host)
            let config = net.config(subnets: ["10.77.0.0/24", "fd77::/64"], routes: ["0.0.0.0/0", "::/0"], extra: ["mtu": 1400])
            let a = try net.add(one, config: config, id: "a")
            let b = try net.add(two, config: config, id: "b")
            #expect(a.addresses == ["10.77.0.2/24", "fd77::2/64"])
            #expect(b.addresses == ["10.77.0.3/24", "fd77::3/64"])

            // Straight after ADD, with no settling: DAD is off, so nothing is tentative.
            for (container, peer) in [(one, b), (two, a)] {
                #expect(try container.check(["ip", "-6", "addr", "show", "tentative"]).isEmpty)
                for target in ["10.77.0.1", "fd77::1", peer.address(0), peer.address(1)] {
                    #expect(try Ping.reply(from: container, to: target), "ping \(target) from \(container.name)")
                }
            }

            // Container: the kernel's subnet route replaced by one through the gateway.
            #expect(try routeLines(one, family: "-4") == [
                "10.77.0.0/24 via 10.77.0.1 dev eth0 src 10.77.0.2",
                "10.77.0.1 dev eth0 scope link src 10.77.0.2",
                "default via 10.77.0.1 dev eth0",
            ])
            #expect(try routeLines(one, family: "-6") == [
                "default via fd77::1 dev eth0",
                "fd77::/64 via fd77::1 dev eth0 src fd77::2",
                "fd77::1 dev eth0 src fd77::2",
                "fe80::/64 dev eth0",
            ])
            // Host: the gateway on every host veth, a host route to every container address.
            let (va, vb) = (a.hostVeth, b.hostVeth)
            #expect(try routeLines(host, family: "-4") == [
                "10.77.0.2 dev \(va) scope host", "10.77.0.3 dev \(vb) scope host",
            ])
            let host6 = try routeLines(host, family: "-6")
            #expect(host6.contains("fd77::2 dev \(va)") && host6.contains("fd77::3 dev \(vb)"), "\(host6)")
            for veth in [va, vb] {
                let addrs = try host.ipJSON(["addr", "show", "dev", veth]).first?["addr_info"] as? [[String: Any]] ?? []
                let global = addrs.filter { $0["scope"] as? String == "global" }
                #expect(global.map { "\($0["local"]!)/\($0["prefixlen"]!)" } == ["10.77.0.1/32", "fd77::1/128"])
                #expect(addrs.allSatisfy { $0["tentative"] == nil }, "\(addrs)")
                #expect(try host.ipJSON(["link", "show", veth]).first?["mtu"] as? Int == 1400)
            }
            #expect(try one.ipJSON(["link", "show", "eth0"]).first?["mtu"] as? Int == 1400)
            #expect(try host.check(["cat", "/proc/sys/net/ipv4/ip_forward"]) == "1\n")
            #expect(try host.check(["cat", "/proc/sys/net/ipv6/conf/all/forwarding"]) == "1\n")

            for (container, id) in [(one, "a"), (two, "b")] {
                #expect(try net.run("DEL", container, config: config, id: id).status == 0)
            }
            try net.expectClean()
            #expect(try one.ipJSON(["link", "show"]).count == 1)  // lo only
        }
    }

    /// conf/10-myptp.conf, the design document's "CNI: DIY" example, as written there except
    /// for host-local's lease directory (a temp dir, so the machine's own is never touched).
    @Test func theSeedConfigGivesTheDocumentedResultAndMasqueradesTCP() throws {
        try withTestNamespaces(3, prefix: "ptp") { ns in
            let (host, container, remote) = (ns[0], ns[1], ns[2])
            let net = PTPNetwork(host: host, name: "myptp")
            let text = try String(contentsOfFile: Binaries.packageRoot + "/conf/10-myptp.conf", encoding: .utf8)
            var seed = try #require(jsonObject(text))
            var ipam = try #require(seed["ipam"] as? [String: Any])
            ipam["dataDir"] = net.dataDir
            seed["ipam"] = ipam
            let config = PTPNetwork.json(seed)
            let result = try net.add(container, config: config)

            #expect(Set(result.keys) == ["cniVersion", "interfaces", "ips", "routes", "dns"])
            #expect(result["cniVersion"] as? String == "0.3.1")
            let interfaces = result.interfaces
            try #require(interfaces.count == 2)
            #expect(Set(interfaces[0].keys) == ["name", "mac"])
            #expect(result.hostVeth.range(of: "^veth[0-9a-f]{8}$", options: .regularExpression) != nil)
            #expect(Set(interfaces[1].keys) == ["name", "mac", "sandbox"])
            #expect(interfaces[1]["name"] as? String == "eth0")
            #expect(interfaces[1]["sandbox"] as? String == container.path)
            #expect(PTPNetwork.json(result.ips) == PTPNetwork.json([
                ["version": "4", "interface": 1, "address": "172.16.29.2/24", "gateway": "172.16.29.1"]
            ]))
            #expect(PTPNetwork.json(result["routes"]!) == #"[{"dst":"0.0.0.0\/0"}]"#)
            #expect(PTPNetwork.json(result["dns"]!) == "{}")

            // A server in another namespace, reachable from the host only, with no route back
            // to 172.16.29.0/24: the connection works only when masqueraded to 192.0.2.1.
            try host.check(["ip", "link", "add", "swcni-up", "type", "veth", "peer", "name", "swcni-rm", "netns", remote.path])
            try host.check(["ip", "addr", "add", "192.0.2.1/24", "dev", "swcni-up"])
            try host.check(["ip", "link", "set", "swcni-up", "up"])
            try remote.check(["ip", "addr", "add", "192.0.2.2/24", "dev", "swcni-rm"])
            try remote.check(["ip", "link", "set", "swcni-rm", "up"])
            let servers = try PeerEcho.start(in: remote, on: ["192.0.2.2"])
            defer { PeerEcho.stop(servers) }
            #expect(try PeerEcho.connect(from: container, to: "192.0.2.2") == "192.0.2.1")

            let del = try PTPNetwork.adding(prevResult: result.resultText, to: config)
            #expect(try net.run("DEL", container, config: del).status == 0)
            try host.check(["ip", "link", "del", "swcni-up"])
            try net.expectClean()
        }
    }

    @Test func ipv6DADIsOffByDefaultAndOnWithEnableDAD() throws {
        try withTestNamespaces(3, prefix: "ptp") { ns in
            let net = PTPNetwork(host: ns[0])
            let fast = net.config(subnets: ["fd78::/64"])
            let a = try net.add(ns[1], config: fast, id: "a")
            // The IPAM address is usable at once (the link-local one finishes in the kernel's
            // DAD work item a moment later, whatever accept_dad says).
            #expect(try ns[1].check(["ip", "-6", "addr", "show", "scope", "global", "tentative"]).isEmpty)
            #expect(try ns[1].check(["ip", "-6", "addr", "show", "scope", "global"]).contains("nodad"))
            #expect(try ns[1].check(["cat", "/proc/sys/net/ipv6/conf/eth0/accept_dad"]) == "0\n")
            #expect(try ns[0].check(["cat", "/proc/sys/net/ipv6/conf/\(a.hostVeth)/accept_dad"]) == "0\n")

            // The reference's behaviour: DAD runs and ADD waits for the container's addresses.
            let slow = net.config(subnets: ["fd78::/64"], extra: ["enabledad": true])
            let b = try net.add(ns[2], config: slow, id: "b")
            #expect(try ns[2].check(["cat", "/proc/sys/net/ipv6/conf/eth0/accept_dad"]) != "0\n")
            #expect(try ns[0].check(["cat", "/proc/sys/net/ipv6/conf/\(b.hostVeth)/accept_dad"]) != "0\n")
            let addrs = try ns[2].ipJSON(["addr", "show", "dev", "eth0"]).first?["addr_info"] as? [[String: Any]] ?? []
            #expect(addrs.count == 2 && addrs.allSatisfy { $0["tentative"] == nil }, "\(addrs)")
            #expect(try Ping.reply(from: ns[2], to: "fd78::1", timeout: 3))
        }
    }

    @Test(arguments: ["0.1.0", "0.2.0", "0.3.0", "0.4.0", "1.0.0", "1.1.0"])
    func resultsComeInTheConfigsVersion(version: String) throws {
        try withTestNamespaces(2, prefix: "ptp") { ns in
            let net = PTPNetwork(host: ns[0])
            let result = try net.add(ns[1], config: net.config(version: version, subnets: ["10.77.0.0/24"]))
            #expect(result["cniVersion"] as? String == version)
            if version.hasPrefix("0.1") || version.hasPrefix("0.2") {
                #expect((result["ip4"] as? [String: Any])?["ip"] as? String == "10.77.0.2/24")
                #expect((result["ip4"] as? [String: Any])?["gateway"] as? String == "10.77.0.1")
            } else {
                #expect(result.addresses == ["10.77.0.2/24"])
                #expect(result.interfaces.count == 2)
                #expect(result.ips.first?["interface"] as? Int == 1)
            }
        }
    }
}
