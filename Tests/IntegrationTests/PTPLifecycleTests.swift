import CNITestSupport
import Foundation
import Testing

/// DEL, failed ADDs, CHECK, GC and STATUS of the built `ptp`: whatever happens, nothing is left
/// in the host namespace, the container or the lease directory.
@Suite(.enabled(if: isPrivileged), .serialized)
struct PTPLifecycleTests {
    static let dualStack = ["10.77.0.0/24", "fd77::/64"]

    @Test(arguments: ["iptables", "nftables"])
    func delTwiceAndDelAfterTheNetnsIsGoneLeaveNothing(backend: String) throws {
        try withTestNamespaces(1, prefix: "ptp") { ns in
            let net = PTPNetwork(host: ns[0])
            let config = net.config(subnets: Self.dualStack, extra: ["ipMasq": true, "ipMasqBackend": backend])

            // Twice, with the netns there.
            let container = try TestNamespace("ptp")
            defer { container.delete() }
            try net.add(container, config: config)
            #expect(try net.host.masqueradeRules().count >= 2)
            for _ in 0..<2 { #expect(try net.run("DEL", container, config: config).status == 0) }
            try net.expectClean("DEL twice")

            // The netns deleted first; prevResult names the host veth, removed at once.
            let gone = try TestNamespace("ptp")
            let result = try net.add(gone, config: config)
            gone.delete()
            let withResult = try PTPNetwork.adding(prevResult: result.resultText, to: config)
            let del = try net.run("DEL", nil, config: withResult, netns: gone.path)
            #expect(del.status == 0, "\(del.stdout)")
            try net.expectClean("DEL with the netns gone and prevResult")

            // No prevResult either: the kernel takes the veth with the namespace; the rules and
            // the lease are found without addresses.
            let gone2 = try TestNamespace("ptp")
            try net.add(gone2, config: config)
            gone2.delete()
            #expect(try net.run("DEL", nil, config: config, netns: gone2.path).status == 0)
            try net.waitForNoLinks()
            try net.expectClean("DEL with the netns gone, no prevResult")

            // An empty CNI_NETNS (nerdctl, ctr): rules and lease go (the reference leaks the rules,
            // plugins#810), and with prevResult the veth too.
            let added = try net.add(container, config: config)
            let emptyWithResult = try PTPNetwork.adding(prevResult: added.resultText, to: config)
            #expect(try net.run("DEL", nil, config: emptyWithResult, netns: "").status == 0)
            try net.expectClean("DEL with an empty CNI_NETNS and prevResult")
            #expect(try container.ipJSON(["link", "show"]).count == 1)

            // Without prevResult nothing names the veth: it goes with its namespace.
            try net.add(container, config: config)
            #expect(try net.run("DEL", nil, config: config, netns: "").status == 0)
            #expect(net.leases() == [])
            #expect(try net.host.masqueradeRules() == [])
            container.delete()
            try net.waitForNoLinks()
            try net.expectClean("DEL with an empty CNI_NETNS")
        }
    }

    struct BadAdd: Sendable, CustomTestStringConvertible {
        var name: String
        var extra: [String: String] = [:]
        var subnets: [String] = PTPLifecycleTests.dualStack
        var routes: [String] = []
        var ipam: String? = nil
        var ifName = "eth0"
        var containerID = "ctr1"
        var network = "ptpnet"
        var netns: String? = nil
        var prepare: [String]? = nil
        var code: Int? = nil
        var mentions = ""
        var testDescription: String { name }
    }

    static let badAdds: [BadAdd] = [
        .init(
            name: "interface name taken in the container", prepare: ["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"],
            mentions: "already exists"),
        .init(name: "netns missing", netns: "/var/run/netns/swcni-ptp-no-such-ns", code: 4, mentions: "swcni-ptp-no-such-ns"),
        .init(name: "netns a regular file", netns: "/etc/hostname", code: 4, mentions: "/etc/hostname"),
        .init(name: "invalid subnet", subnets: ["10.77.0.0/33"], mentions: "10.77.0.0/33"),
        .init(name: "unknown IPAM type", ipam: #"{"type":"nosuch"}"#, mentions: #"failed to find plugin "nosuch""#),
        .init(name: "IPAM without type", ipam: #"{"subnet":"10.77.0.0/24"}"#, code: 7, mentions: "no plugin name provided"),
        .init(name: "hostile IPAM type", ipam: #"{"type":"../host-local"}"#, code: 7, mentions: "invalid plugin name"),
        .init(name: "unknown ipMasqBackend", extra: ["ipMasq": "true", "ipMasqBackend": "\"pf\""], code: 7, mentions: "pf"),
        .init(name: "MTU too small", extra: ["mtu": "10"], code: 7, mentions: "MTU"),
        .init(name: "MTU a string", extra: ["mtu": "\"1400\""], code: 6, mentions: "mtu"),
        .init(name: "unreachable IPAM route gateway (fails after the veth exists)", extra: ["ipMasq": "true"],
              routes: ["198.51.100.0/24 192.0.2.99"], mentions: "198.51.100.0/24"),
        .init(name: "ifname of 16 bytes", ifName: "abcdefghijklmnop", code: 4),
        .init(name: "ifname ..", ifName: "..", code: 4),
        .init(name: "ifname with a slash", ifName: "../eth0", code: 4),
        .init(name: "container ID with a slash", containerID: "../../etc", code: 4),
        .init(name: "network name with a slash", network: "../../etc", code: 7),
    ]

    @Test(arguments: badAdds)
    func aFailedAddIsACNIErrorAndLeavesNothing(_ bad: BadAdd) throws {
        try withTestNamespaces(2, prefix: "ptp") { ns in
            let (host, container) = (ns[0], ns[1])
            let net = PTPNetwork(host: host, name: bad.network)
            var extra: [String: Any] = [:]
            for (k, v) in bad.extra { extra[k] = try JSONSerialization.jsonObject(with: Data(v.utf8), options: .fragmentsAllowed) }
            var config = net.config(subnets: bad.subnets, extra: extra)
            if let ipam = bad.ipam {
                config = net.config(extra: extra, ipam: try #require(jsonObject(ipam)))
            } else if !bad.routes.isEmpty {
                var object = try #require(jsonObject(config))
                var ipam = try #require(object["ipam"] as? [String: Any])
                ipam["routes"] = bad.routes.map { r -> [String: String] in
                    let p = r.split(separator: " ").map(String.init)
                    return ["dst": p[0], "gw": p[1]]
                }
                object["ipam"] = ipam
                config = PTPNetwork.json(object)
            }
            if let prepare = bad.prepare { try container.check(prepare) }
            let linksBefore = try container.ipJSON(["link", "show"]).count

            let out = try net.runner.run(
                "ADD", config: config, netns: bad.netns ?? container.path, containerID: bad.containerID, ifName: bad.ifName)
            #expect(out.status == 1)
            let error = try #require(jsonObject(out.stdout), "stdout: \(out.stdout)")
            if let code = bad.code { #expect(error["code"] as? Int == code, "\(error)") }
            let text = "\(error["msg"] ?? "") \(error["details"] ?? "")"
            #expect(bad.mentions.isEmpty || text.contains(bad.mentions), "\(text)")

            #expect(try container.ipJSON(["link", "show"]).count == linksBefore)
            try net.expectClean(Comment(rawValue: bad.name))
        }
    }

    /// CHECK passes right after ADD and fails once any piece of the attachment is missing.
    @Test(arguments: [
        "container gateway route", "container subnet route", "host route", "host gateway address",
        "masquerade rule", "lease", "nothing",
    ])
    func checkFindsWhatIsMissing(_ breakage: String) throws {
        try withTestNamespaces(2, prefix: "ptp") { ns in
            let (host, container) = (ns[0], ns[1])
            let net = PTPNetwork(host: host)
            let base = net.config(version: "1.0.0", subnets: Self.dualStack, extra: ["ipMasq": true])
            let result = try net.add(container, config: base)
            let config = try PTPNetwork.adding(prevResult: result.resultText, to: base)
            #expect(try net.run("CHECK", container, config: config).status == 0)
            let noPrev = try net.run("CHECK", container, config: base)
            #expect(noPrev.status == 1 && noPrev.stdout.contains("Required prevResult missing"))

            let veth = result.hostVeth
            switch breakage {
            case "container gateway route": try container.check(["ip", "route", "del", "10.77.0.1/32", "dev", "eth0"])
            case "container subnet route": try container.check(["ip", "-6", "route", "del", "fd77::/64", "dev", "eth0"])
            case "host route": try host.check(["ip", "route", "del", "10.77.0.2/32", "dev", veth])
            case "host gateway address": try host.check(["ip", "addr", "del", "fd77::1/128", "dev", veth])
            case "masquerade rule":  // nftables: the default on a fresh node
                try host.check(["nft", "flush", "chain", "inet", "cni_plugins_masquerade", "masq_checks"])
            case "lease":  // host-local's CHECK passes while any lease of the attachment is left
                for lease in net.leases() { try FileManager.default.removeItem(atPath: "\(net.dataDir)/\(net.name)/\(lease)") }
            default: break
            }
            let check = try net.run("CHECK", container, config: config)
            #expect((check.status == 0) == (breakage == "nothing"), "\(check.stdout)")
            #expect(try net.run("DEL", container, config: config).status == 0)
            try net.expectClean()
        }
    }

    @Test func gcRemovesStaleAttachmentsAndStatusAsksIPAM() throws {
        try withTestNamespaces(3, prefix: "ptp") { ns in
            let net = PTPNetwork(host: ns[0])
            // iptables, whose GC removes whole chains (nftables' GC is rule by rule).
            let config = net.config(version: "1.1.0", subnets: ["10.77.0.0/29"], extra: ["ipMasq": true, "ipMasqBackend": "iptables"])
            try net.add(ns[1], config: config, id: "alive")
            try net.add(ns[2], config: config, id: "stale")
            #expect(net.leases() == ["10.77.0.2", "10.77.0.3"])
            let rulesBefore = try net.host.masqueradeRules()

            // No list (cnitool gc): an unknown list removes nothing.
            #expect(try net.run("GC", nil, config: config, id: "", ifName: "").status == 0)
            #expect(net.leases() == ["10.77.0.2", "10.77.0.3"])
            #expect(try net.host.masqueradeRules() == rulesBefore)

            var object = try #require(jsonObject(config))
            object["cni.dev/valid-attachments"] = [["containerID": "alive", "ifname": "eth0"]]
            let gc = PTPNetwork.json(object)
            #expect(try net.run("GC", nil, config: gc, id: "", ifName: "").status == 0)
            #expect(net.leases() == ["10.77.0.2"])
            let rules = try net.host.masqueradeRules()
            let kept = rules.filter { $0.hasPrefix("-A") }
            #expect(kept.count == 3 && kept.allSatisfy { $0.contains(#"id: \"alive\""#) }, "\(rules)")
            #expect(rules.count == rulesBefore.count / 2, "\(rules)")  // the stale chain went too

            #expect(try net.run("STATUS", nil, config: config, id: "", ifName: "").status == 0)
            // GC and STATUS are 1.1.0 verbs.
            let old = net.config(version: "1.0.0", subnets: ["10.77.0.0/29"])
            #expect(jsonObject(try net.run("STATUS", nil, config: old, id: "", ifName: "").stdout)?["code"] as? Int == 1)

            #expect(try net.run("DEL", ns[1], config: config, id: "alive").status == 0)
            ns[2].delete()
            try net.waitForNoLinks()
            try net.expectClean()
        }
    }

    @Test func statusReportsAnExhaustedRange() throws {
        try withTestNamespaces(2, prefix: "ptp") { ns in
            let net = PTPNetwork(host: ns[0])
            let config = net.config(version: "1.1.0", subnets: ["10.77.0.0/30"])
            #expect(try net.run("STATUS", nil, config: config, id: "", ifName: "").status == 0)
            try net.add(ns[1], config: config)
            let status = try net.run("STATUS", nil, config: config, id: "", ifName: "")
            #expect(jsonObject(status.stdout)?["code"] as? Int == 50, "\(status.stdout)")
            #expect(try net.run("DEL", ns[1], config: config).status == 0)
            try net.expectClean()
        }
    }
}
