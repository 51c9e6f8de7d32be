import CNITestSupport
import Foundation
import Testing

/// The built `portmap` binary through every verb, beside Debian's portmap (1.1.1, iptables only).
@Suite(.enabled(if: isPrivileged), .serialized)
struct PortMapLifecycleTests {
    static let mappings = #"[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5300,"containerPort":53,"protocol":"udp"}]"#
    static let debian = Binaries.referenceDirectory + "/portmap"

    /// Whether any portmap rule (DNAT, either layout) is left; the bridge's masquerade rules, which
    /// name the container too, do not count.
    static func hasRules(_ net: PortMapNetwork) throws -> Bool {
        let text = try net.host.ruleset() + net.host.iptablesSave()
        return text.contains("dnat to") || text.contains("-j DNAT") || text.contains("CNI-DN-") || text.contains("attachment-")
    }

    @Test func debiansRulesGoWithOurDelWhateverItsBackendAndOursWithDebians() throws {
        try withPortMapNetwork(containers: 1) { net in
            let g4 = PortMapNetwork.gateway4
            try net.serve(0, tcp: [80], udp: [])
            let debianConfig = net.portmapConfig(0, mappings: Self.mappings)
            #expect(try net.portmap("ADD", 0, config: debianConfig, binary: Self.debian).succeeded)
            #expect(try net.tcp(from: net.host, g4, 8080) == "hello \(g4)")
            // Our DEL, configured for nftables, told neither mappings nor prevResult.
            let bare = net.portmapConfig(0, mappings: nil, extra: #","backend":"nftables""#, prev: false)
            #expect(try net.portmap("DEL", 0, config: bare).succeeded)
            #expect(try !Self.hasRules(net))
            #expect(try net.tcp(from: net.host, g4, 8080).hasPrefix("error"))
            // Ours with iptables; Debian's DEL removes it.
            let ours = net.portmapConfig(0, mappings: Self.mappings, extra: #","backend":"iptables""#)
            #expect(try net.portmap("ADD", 0, config: ours).succeeded)
            #expect(try net.tcp(from: net.host, g4, 8080) == "hello \(g4)")
            #expect(try net.portmap("DEL", 0, config: debianConfig, binary: Self.debian).succeeded)
            #expect(try !Self.hasRules(net))
        }
    }

    /// containerd builds the `portMappings` capability from an untagged Go struct, so the keys come
    /// capitalised; Go's decoder folds them, and so does ours: the port is published and the DEL
    /// (which containerd stops at if it fails) removes it. Debian's portmap does the same.
    @Test func containerdsCapitalisedMappingKeysPublishAndTearDown() throws {
        try withPortMapNetwork(containers: 1) { net in
            let g4 = PortMapNetwork.gateway4
            try net.serve(0, tcp: [80], udp: [])
            let containerd = #"[{"HostPort":8080,"ContainerPort":80,"Protocol":"tcp","HostIP":""}]"#
            for binary in [Binaries.path("portmap"), Self.debian] {
                let config = net.portmapConfig(0, mappings: containerd)
                let add = try net.portmap("ADD", 0, config: config, binary: binary)
                #expect(add.succeeded, "\(binary): \(add.stdout)")
                #expect(try net.tcp(from: net.host, g4, 8080) == "hello \(g4)", "\(binary)")
                #expect(try net.portmap("DEL", 0, config: config, binary: binary).succeeded, "\(binary)")
                #expect(try !Self.hasRules(net), "\(binary)")
            }
        }
    }

    /// With no backend configured, bridge's masquerade and portmap follow the node together: nftables
    /// on a fresh node, iptables once Debian's portmap (iptables only) has left its chains there.
    @Test func theDefaultBackendFollowsTheNode() throws {
        try withPortMapNetwork(containers: 3) { net in
            let oursOnly = net.interfaceBin == Binaries.directory
            if oursOnly {
                // Our bridge's ipMasq on a fresh node went to nftables, and so does our portmap.
                #expect(try net.host.ruleset().contains("cni_plugins_masquerade"))
                #expect(try !net.host.iptablesSave().contains("CNI-"))
                #expect(try net.portmap("ADD", 0, config: net.portmapConfig(0, mappings: Self.mappings)).succeeded)
                #expect(try net.host.ruleset().contains("cni_hostport"))
                #expect(try !net.host.iptablesSave().contains("CNI-"))
            }
            // Debian's portmap leaves CNI-HOSTPORT-* chains: from now on the node is an iptables node.
            #expect(try net.portmap("ADD", 1, config: net.portmapConfig(1, mappings: Self.mappings), binary: Self.debian).succeeded)
            #expect(try net.portmap("ADD", 2, config: net.portmapConfig(2, mappings: Self.mappings)).succeeded)
            #expect(try net.host.iptablesSave().contains(#"dnat name: \"pmnet\" id: \"ctr2\""#))
            // A new attachment of our bridge masquerades through iptables too.
            let late = try TestNamespace("pmc")
            net.containers.append(late)
            #expect(try net.interfacePlugin("ADD", late, id: "ctr3").succeeded)
            #expect(try net.host.iptablesSave().contains(#"name: \"pmnet\" id: \"ctr3\""#))
            for i in 0..<3 {
                #expect(try net.portmap("DEL", i, config: net.portmapConfig(i, mappings: Self.mappings)).succeeded)
            }
            #expect(try !Self.hasRules(net))
        }
    }

    @Test(arguments: ["nftables", "iptables"])
    func delIsIdempotentWithOrWithoutPrevResultAndMappings(backend: String) throws {
        try withPortMapNetwork(containers: 1) { net in
            let extra = #","backend":"\#(backend)""#
            #expect(try net.portmap("ADD", 0, config: net.portmapConfig(0, mappings: Self.mappings, extra: extra)).succeeded)
            #expect(try Self.hasRules(net))
            #expect(try net.portmap("DEL", 0, config: net.portmapConfig(0, mappings: nil, extra: extra, prev: false)).succeeded)
            #expect(try !Self.hasRules(net))
            for config in [net.portmapConfig(0, mappings: nil, extra: extra, prev: false), net.portmapConfig(0, mappings: Self.mappings, extra: extra)] {
                let again = try net.portmap("DEL", 0, config: config)
                #expect(again.succeeded && again.stdout.isEmpty, "\(again.stdout)")
            }
            // A DEL with no namespace at all (the runtime lost it) is fine too.
            let noNetns = try net.portmap("DEL", 0, config: net.portmapConfig(0, mappings: nil, extra: extra, prev: false), extra: ["CNI_NETNS": ""])
            #expect(noNetns.succeeded)
        }
    }

    @Test func addWithoutPrevResultFailsAndWithoutMappingsTouchesNothing() throws {
        try withPortMapNetwork(containers: 1) { net in
            let before = (try net.host.ruleset(), try net.host.iptablesSave())
            let unchanged = { () throws -> Bool in (try net.host.ruleset(), try net.host.iptablesSave()) == before }
            let none = try net.portmap("ADD", 0, config: net.portmapConfig(0, mappings: Self.mappings, prev: false))
            #expect(none.status == 1)
            #expect(jsonObject(none.stdout)?["msg"] as? String == "must be called as chained plugin")
            let empty = try net.portmap("ADD", 0, config: net.portmapConfig(0, mappings: "[]"))
            #expect(empty.succeeded)
            #expect(jsonObject(empty.stdout)?["ips"] != nil)
            #expect(try unchanged())
            let bad = try net.portmap("ADD", 0, config: net.portmapConfig(0, mappings: #"[{"hostPort":0,"containerPort":80}]"#))
            #expect(jsonObject(bad.stdout)?["code"] as? Int == 7)
            #expect(jsonObject(bad.stdout)?["msg"] as? String == "failed to parse config: Invalid host port number: 0")
            let badCondition = try net.portmap(
                "ADD", 0, config: net.portmapConfig(0, mappings: Self.mappings, extra: #","conditionsV4":["tcp","dport","22"]"#))
            #expect(jsonObject(badCondition.stdout)?["code"] as? Int == 7)
            #expect(try unchanged())
        }
    }

    @Test func udpConntrackEntriesAreFlushedOnAddAndDel() throws {
        try withPortMapNetwork(containers: 1) { net in
            let c0 = net.address(0)
            func insert(dport: Int, sport: Int, server: String) throws {
                try net.host.check([
                    "conntrack", "-I", "-p", "udp", "-s", "192.0.2.1", "-d", PortMapNetwork.gateway4, "--sport", "\(sport)",
                    "--dport", "\(dport)", "-r", server, "-q", "192.0.2.1", "--reply-port-src", "53", "--reply-port-dst", "\(sport)",
                    "-t", "120",
                ])
            }
            func flows() throws -> [String] {
                try net.host.run(["conntrack", "-L", "-p", "udp"]).stdout.split(separator: "\n").map(String.init)
            }
            // A flow to the host port from before the ADD (answered by the host itself) is stale.
            try insert(dport: 5300, sport: 1111, server: PortMapNetwork.gateway4)
            try insert(dport: 6000, sport: 2222, server: PortMapNetwork.gateway4)
            let config = net.portmapConfig(0, mappings: Self.mappings, extra: #","backend":"nftables""#)
            #expect(try net.portmap("ADD", 0, config: config).succeeded)
            #expect(try flows().map { $0.contains("sport=1111") } == [false])
            // A flow DNATed to the container must not outlive its DEL (plugins#1190).
            try insert(dport: 5300, sport: 3333, server: c0)
            #expect(try net.portmap("DEL", 0, config: net.portmapConfig(0, mappings: nil, prev: false)).succeeded)
            let left = try flows()
            #expect(left.count == 1 && left[0].contains("sport=2222"))
        }
    }

    @Test func checkGcAndStatusSpeak110() throws {
        try withPortMapNetwork(containers: 1) { net in
            let config = net.portmapConfig(0, mappings: Self.mappings, extra: #","backend":"nftables""#, version: "1.1.0")
            #expect(try net.portmap("ADD", 0, config: config).succeeded)
            #expect(try net.portmap("CHECK", 0, config: config).succeeded)
            // CHECK without prevResult: the reference's error.
            let noPrev = try net.portmap("CHECK", 0, config: net.portmapConfig(0, mappings: Self.mappings, extra: #","backend":"nftables""#, prev: false, version: "1.1.0"))
            #expect(jsonObject(noPrev.stdout)?["msg"] as? String == "Required prevResult missing")
            // A rule removed by hand: CHECK fails naming the chain.
            try net.host.check(["nft", "flush", "chain", "ip", "cni_hostport", "hostports"])
            let broken = try net.portmap("CHECK", 0, config: config)
            #expect(broken.status == 1 && (jsonObject(broken.stdout)?["msg"] as? String)?.contains("hostports") == true)
            #expect(try net.portmap("ADD", 0, config: config).succeeded)

            let status = try net.portmap("STATUS", 0, config: config)
            #expect(status.succeeded && status.stdout.isEmpty)
            // GC keeping ctr0 keeps its rules; without it they go.
            let base = #"{"cniVersion":"1.1.0","name":"pmnet","type":"portmap","backend":"nftables""#
            let keep = base + #","cni.dev/valid-attachments":[{"containerID":"ctr0","ifname":"eth0"}]}"#
            #expect(try net.portmap("GC", 0, config: keep, extra: ["CNI_CONTAINERID": "", "CNI_IFNAME": ""]).succeeded)
            #expect(try Self.hasRules(net))
            let drop = base + #","cni.dev/valid-attachments":[{"containerID":"ctr9","ifname":"eth0"}]}"#
            #expect(try net.portmap("GC", 0, config: drop, extra: ["CNI_CONTAINERID": "", "CNI_IFNAME": ""]).succeeded)
            #expect(try !Self.hasRules(net))
        }
    }
}
