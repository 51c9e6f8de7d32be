import CNITestSupport
import Foundation

/// A throwaway node for the firewall tests: a "host" namespace with two bridge networks (`fwa` on
/// `cnifwa0`, 10.67.1.0/24 and fd00:67:1::/64; `fwb` on `cnifwb0`, 10.67.2.0/24), containers wired
/// into them by our bridge + host-local, and an "outside" namespace routed through the host
/// (10.67.9.2, as a machine on the node's LAN). Everything is deleted by `close()`.
final class FirewallLab {
    let host: TestNamespace
    let outside: TestNamespace
    /// Containers, each with its network and prevResult.
    var containers: [(ns: TestNamespace, network: String, result: String)] = []
    let dataDir: String
    private var closed = false

    static let outsideAddress = "10.67.9.2"

    /// `networks[i]` is the network of container i ("fwa" or "fwb").
    init(networks: [String]) throws {
        host = try TestNamespace("fw")
        outside = try TestNamespace("fwo")
        dataDir = NSTemporaryDirectory() + "swcni-fw-" + UUID().uuidString
        do {
            try host.check(["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"])
            try Command.check(["ip", "-n", host.name, "link", "add", "fwout", "type", "veth", "peer", "name", "eth0", "netns", outside.name])
            try Command.check(["ip", "-n", host.name, "addr", "add", "10.67.9.1/24", "dev", "fwout"])
            try Command.check(["ip", "-n", host.name, "link", "set", "fwout", "up"])
            try Command.check(["ip", "-n", outside.name, "addr", "add", Self.outsideAddress + "/24", "dev", "eth0"])
            try Command.check(["ip", "-n", outside.name, "link", "set", "eth0", "up"])
            try Command.check(["ip", "-n", outside.name, "route", "add", "10.67.0.0/16", "via", "10.67.9.1"])
            for (i, network) in networks.enumerated() {
                let ns = try TestNamespace("fwc")
                containers.append((ns, network, ""))
                let out = try bridge("ADD", i)
                guard out.succeeded else { throw TestFailure("bridge ADD failed: \(out.stdout)\(out.stderr)") }
                containers[i].result = out.stdout
            }
        } catch {
            close()
            throw error
        }
    }

    func bridgeConfig(_ network: String) -> String {
        let n = network == "fwa" ? 1 : 2
        return #"""
            {"cniVersion":"1.0.0","name":"\#(network)","type":"bridge","bridge":"cni\#(network)0","isGateway":true,
             "ipam":{"type":"host-local","ranges":[[{"subnet":"10.67.\#(n).0/24"}],[{"subnet":"fd00:67:\#(n)::/64"}]],
                     "routes":[{"dst":"0.0.0.0/0"}],"dataDir":"\#(dataDir)"}}
            """#
    }

    @discardableResult
    func bridge(_ verb: String, _ i: Int) throws -> CommandOutput {
        try PluginRunner(binary: Binaries.path("bridge"), host: host)
            .run(verb, config: bridgeConfig(containers[i].network), netns: containers[i].ns.path, containerID: "ctr\(i)")
    }

    /// A firewall config for container `i`: its network, `extra` members, its prevResult.
    func firewallConfig(_ i: Int, _ extra: String = "", prev: Bool = true) -> String {
        var text = #"{"cniVersion":"1.0.0","name":"\#(containers[i].network)","type":"firewall""#
        if !extra.isEmpty { text += "," + extra }
        if prev { text += #","prevResult":\#(containers[i].result)"# }
        return text + "}"
    }

    /// Runs a firewall binary (ours by default) for container `i`.
    @discardableResult
    func firewall(
        _ verb: String, _ i: Int, _ extra: String = "", prev: Bool = true, binary: String = Binaries.path("firewall")
    ) throws -> CommandOutput {
        try PluginRunner(binary: binary, host: host, cniPath: Binaries.directory)
            .run(verb, config: firewallConfig(i, extra, prev: prev), netns: containers[i].ns.path, containerID: "ctr\(i)")
    }

    /// Container `i`'s address of a family.
    func address(_ i: Int, v6: Bool = false) -> String {
        let ips = jsonObject(containers[i].result)?["ips"] as? [[String: Any]] ?? []
        let cidr = ips.compactMap { $0["address"] as? String }.first { $0.contains(":") == v6 } ?? ""
        return String(cidr.split(separator: "/").first ?? "")
    }

    /// Whether an ICMP echo from `ns` to `address` is answered (a short wait: these are local hops).
    func reaches(_ ns: TestNamespace, _ address: String) throws -> Bool {
        try Ping.reply(from: ns, to: address, timeout: 0.6)
    }

    func filterRules() throws -> String {
        try host.check(["iptables-save", "-t", "filter"]) + host.check(["ip6tables-save", "-t", "filter"])
    }

    /// Container `i`'s rules in CNI-FORWARD (`chain`), or in CNI-FORWARD-OWNERS, of both families.
    func forwardRules(_ i: Int, chain: String = "CNI-FORWARD") throws -> [String] {
        let (v4, v6) = (" \(address(i))/32 ", " \(address(i, v6: true))/128 ")
        return try filterRules().split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("-A \(chain) ") && ($0.contains(v4) || $0.contains(v6)) }
    }

    func close() {
        guard !closed else { return }
        closed = true
        for i in containers.indices { _ = try? bridge("DEL", i) }
        containers.forEach { $0.ns.delete() }
        outside.delete()
        host.delete()
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    deinit { close() }
}

func withFirewallLab<T>(networks: [String], _ body: (FirewallLab) throws -> T) throws -> T {
    let lab = try FirewallLab(networks: networks)
    defer { lab.close() }
    return try body(lab)
}
