import CNITestSupport
import Foundation
import Testing

/// The acceptance chain: bridge + host-local + our portmap in a throwaway node namespace, with real
/// TCP and UDP traffic from the host, from a neighbour and from the container itself, both families,
/// both backends; then DEL, after which the firewall is as it was.
@Suite(.enabled(if: isPrivileged), .serialized)
struct PortMapTrafficTests {
    /// Two single ports, a shifted range (9000–9002 → 9100–9102) and a range that keeps its ports.
    static let mappings = #"""
        [{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5300,"containerPort":53,"protocol":"udp"},
         {"hostPort":9000,"containerPort":9100,"protocol":"tcp","range":3},{"hostPort":7000,"containerPort":7000,"protocol":"tcp","range":2}]
        """#

    @Test(arguments: ["nftables", "iptables"])
    func publishedPortsAnswerFromEverywhereAndDelRestoresTheFirewall(backend: String) throws {
        try withPortMapNetwork(containers: 2) { net in
            let (g4, g6) = (PortMapNetwork.gateway4, PortMapNetwork.gateway6)
            let (c0, c0v6) = (net.address(0), net.address(0, v6: true))
            let (ctr, neighbour, host) = (net.containers[0], net.containers[1], net.host)
            try net.serve(0, tcp: [80, 9101, 7001], udp: [53])
            let before = (nft: try net.host.ruleset(), iptables: try net.host.iptablesSave())

            let config = net.portmapConfig(0, mappings: Self.mappings, extra: #","backend":"\#(backend)""#)
            let add = try net.portmap("ADD", 0, config: config)
            #expect(add.succeeded, "\(add.stdout)\(add.stderr)")
            // The result is prevResult, passed through.
            #expect(jsonObject(add.stdout)?["ips"] as? NSArray == jsonObject(net.results[0])?["ips"] as? NSArray)

            // From the host: its address on the bridge, 127.0.0.1 (route_localnet), IPv6.
            #expect(try net.tcp(from: host, g4, 8080) == "hello \(g4)")
            #expect(try net.tcp(from: host, "127.0.0.1", 8080) == "hello \(g4)")
            #expect(try net.tcp(from: host, g6, 8080) == "hello \(g6)")
            // From a neighbour and from the container itself (hairpin), both masqueraded to the host.
            for client in [neighbour, ctr] {
                #expect(try net.tcp(from: client, g4, 8080) == "hello \(g4)")
                #expect(try net.tcp(from: client, g6, 8080) == "hello \(g6)")
            }
            // UDP echo.
            #expect(try net.udp(from: host, g4, 5300) == "echo ping \(g4)")
            #expect(try net.udp(from: neighbour, g4, 5300) == "echo ping \(g4)")
            #expect(try net.udp(from: host, g6, 5300) == "echo ping \(g6)")
            // Ranges: 9001 reaches 9101, 7001 reaches 7001.
            #expect(try net.tcp(from: host, g4, 9001) == "hello \(g4)")
            #expect(try net.tcp(from: neighbour, g6, 9001) == "hello \(g6)")
            #expect(try net.tcp(from: host, g4, 7001) == "hello \(g4)")
            // A port nobody published still goes nowhere.
            #expect(try net.tcp(from: host, g4, 8081).hasPrefix("error"))

            #expect(try net.portmap("CHECK", 0, config: config).succeeded)
            let del = try net.portmap("DEL", 0, config: config)
            #expect(del.succeeded, "\(del.stdout)")
            #expect(try net.tcp(from: host, g4, 8080).hasPrefix("error"))

            // Everything portmap added is gone but its shared chains (the bridge's masquerade rules,
            // which name the container, were there before and stay until the bridge's DEL).
            let after = (nft: try net.host.ruleset(), iptables: try net.host.iptablesSave())
            let needles = [c0, c0v6, "8080", "5300", "9000", "7000"]
            if backend == "nftables" {
                #expect(after.iptables == before.iptables)
                #expect(Self.withoutTables(after.nft, named: "cni_hostport") == before.nft)
                let ours = Self.onlyTables(after.nft, named: "cni_hostport")
                #expect(!ours.contains("dnat") && !ours.contains("masquerade") && !ours.contains("attachment-"))
                for needle in needles { #expect(!ours.contains(needle), "\(needle) left in\n\(ours)") }
            } else {
                #expect(!after.nft.contains("cni_hostport"))
                let (b, a) = (Set(before.iptables.split(separator: "\n")), Set(after.iptables.split(separator: "\n")))
                #expect(b.isSubset(of: a))
                for line in a.subtracting(b) {
                    let shared = line.hasPrefix("*") || line == "COMMIT" || line.hasPrefix(":PREROUTING") || line.hasPrefix(":INPUT")
                        || line.hasPrefix(":OUTPUT") || line.hasPrefix(":POSTROUTING") || line.contains("CNI-HOSTPORT-")
                    #expect(shared && !line.contains("CNI-DN-"), "left behind: \(line)")
                    for needle in needles { #expect(!line.contains(needle), "\(needle) left in \(line)") }
                }
                // The nftables view of iptables-nft's tables: only what iptables-save shows.
                #expect(!after.nft.contains("dnat to"))
            }
        }
    }

    /// The tables of that name in `nft list ruleset`.
    static func onlyTables(_ ruleset: String, named name: String) -> String {
        let others = withoutTables(ruleset, named: name).split(separator: "\n", omittingEmptySubsequences: false)
        return ruleset.split(separator: "\n", omittingEmptySubsequences: false).filter { !others.contains($0) }.joined(separator: "\n")
    }

    /// `nft list ruleset` without the tables of that name (the shared skeleton DEL leaves).
    static func withoutTables(_ ruleset: String, named name: String) -> String {
        var out: [Substring] = []
        var skipping = false
        for line in ruleset.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("table ") && line.hasSuffix(" \(name) {") { skipping = true }
            if !skipping { out.append(line) }
            if skipping && line == "}" { skipping = false }
        }
        return out.joined(separator: "\n")
    }

    @Test func latestAddOfAPortWinsAndDelGivesItBack() throws {
        try withPortMapNetwork(containers: 2) { net in
            let g4 = PortMapNetwork.gateway4
            try net.serve(0, tcp: [80], udp: [])
            try net.serve(1, tcp: [81], udp: [], greeting: "hi")
            let m0 = #"[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]"#
            let m1 = #"[{"hostPort":8080,"containerPort":81,"protocol":"tcp"}]"#
            let nft = #","backend":"nftables""#
            #expect(try net.portmap("ADD", 0, config: net.portmapConfig(0, mappings: m0, extra: nft)).succeeded)
            #expect(try net.tcp(from: net.host, g4, 8080) == "hello \(g4)")
            #expect(try net.portmap("ADD", 1, config: net.portmapConfig(1, mappings: m1, extra: nft)).succeeded)
            // ctr1 now answers 8080; DEL of ctr1 gives it back to ctr0, even without its mappings.
            #expect(try net.tcp(from: net.host, g4, 8080) == "hi \(g4)")
            #expect(try net.portmap("DEL", 1, config: net.portmapConfig(1, mappings: nil, extra: nft, prev: false)).succeeded)
            #expect(try net.tcp(from: net.host, g4, 8080) == "hello \(g4)")
            #expect(try net.host.ruleset().contains(net.address(0) + ":80"))
        }
    }
}
