import CNITestSupport
import Foundation
import Testing

/// The firewall plugin with real traffic in throwaway namespaces: what its rules let through and
/// what they stop, with both rule backends, side by side with Debian's binary.
@Suite(.enabled(if: isPrivileged), .serialized)
struct FirewallTrafficTests {
    /// With the host's FORWARD policy DROP (as firewalld or Docker leave it), the iptables rules are
    /// what lets a container out and its replies in; a new connection from outside stays dropped.
    /// Ours and the reference tear down each other's rules.
    @Test func iptablesOpensTheForwardPathAndEitherSideTearsDown() throws {
        try withFirewallLab(networks: ["fwa"]) { lab in
            try lab.host.check(["iptables", "-P", "FORWARD", "DROP"])
            #expect(try !lab.reaches(lab.containers[0].ns, FirewallLab.outsideAddress), "the policy drops before ADD")
            let add = try lab.firewall("ADD", 0, #""backend":"iptables""#)
            #expect(add.succeeded, "\(add.stdout)")
            #expect(jsonObject(add.stdout)?["ips"] != nil, "ADD prints prevResult")
            #expect(try lab.reaches(lab.containers[0].ns, FirewallLab.outsideAddress), "out and back")
            #expect(try !lab.reaches(lab.outside, lab.address(0)), "a new connection in is not let through")
            #expect(try lab.firewall("CHECK", 0, #""backend":"iptables""#).succeeded)
            #expect(try lab.firewall("CHECK", 0, #""backend":"iptables""#, binary: Binaries.referenceDirectory + "/firewall").succeeded)

            // The reference's DEL removes our rules (not the owner rules, which it does not know)...
            #expect(try lab.firewall("DEL", 0, #""backend":"iptables""#, binary: Binaries.referenceDirectory + "/firewall").succeeded)
            #expect(try lab.forwardRules(0).isEmpty)
            #expect(try !lab.reaches(lab.containers[0].ns, FirewallLab.outsideAddress))
            #expect(try !lab.firewall("CHECK", 0, #""backend":"iptables""#).succeeded, "CHECK sees the rules gone")
            // ...and ours removes the reference's.
            #expect(try lab.firewall("ADD", 0, #""backend":"iptables""#, binary: Binaries.referenceDirectory + "/firewall").succeeded)
            #expect(try lab.reaches(lab.containers[0].ns, FirewallLab.outsideAddress))
            #expect(try lab.firewall("DEL", 0, #""backend":"iptables""#).succeeded)
            #expect(try !lab.filterRules().contains(lab.address(0)))
            #expect(try lab.firewall("DEL", 0, #""backend":"iptables""#).succeeded, "DEL again")
            #expect(try lab.firewall("DEL", 0, #""backend":"iptables""#, prev: false).succeeded, "DEL without prevResult")
        }
    }

    /// `ingressPolicy: same-bridge`: containers of one bridge reach each other and the outside;
    /// another isolated bridge is cut off both ways; the outside still reaches them.
    @Test(arguments: ["iptables", "nftables"])
    func sameBridgeIsolation(backend: String) throws {
        try withFirewallLab(networks: ["fwa", "fwa", "fwb"]) { lab in
            for i in 0..<3 {
                let out = try lab.firewall("ADD", i, #""backend":"\#(backend)","ingressPolicy":"same-bridge""#)
                #expect(out.succeeded, "\(out.stdout)")
            }
            let (a1, a2, b1) = (lab.containers[0].ns, lab.containers[1].ns, lab.containers[2].ns)
            #expect(try lab.reaches(a1, lab.address(1)), "same bridge")
            #expect(try lab.reaches(a1, lab.address(1, v6: true)), "same bridge, IPv6")
            #expect(try !lab.reaches(a1, lab.address(2)), "another isolated bridge")
            #expect(try !lab.reaches(a2, lab.address(2, v6: true)), "another isolated bridge, IPv6")
            #expect(try !lab.reaches(b1, lab.address(0)), "the other way")
            #expect(try lab.reaches(a1, FirewallLab.outsideAddress), "out")
            #expect(try lab.reaches(lab.outside, lab.address(2)), "in from outside")
            for i in 0..<3 {
                #expect(try lab.firewall("CHECK", i, #""backend":"\#(backend)","ingressPolicy":"same-bridge""#).succeeded)
            }
            for i in 0..<3 { #expect(try lab.firewall("DEL", i, #""backend":"\#(backend)","ingressPolicy":"same-bridge""#).succeeded) }
            // The bridges' isolation stays (other containers may use it), as in the reference.
            #expect(try !lab.reaches(a1, lab.address(2)))
        }
    }

    /// `ingressPolicy: isolated`: containers of one bridge are cut off from each other too (bridged
    /// traffic passes the IP hooks with br_netfilter on, set in the throwaway host only); the
    /// outside still reaches them and they reach it.
    @Test(arguments: ["iptables", "nftables"])
    func isolatedCutsOffTheSameBridge(backend: String) throws {
        try withFirewallLab(networks: ["fwa", "fwa"]) { lab in
            try lab.host.check(["sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1", "net.bridge.bridge-nf-call-ip6tables=1"])
            let (a1, a2) = (lab.containers[0].ns, lab.containers[1].ns)
            #expect(try lab.reaches(a1, lab.address(1)), "same bridge before ADD")
            for i in 0..<2 {
                let out = try lab.firewall("ADD", i, #""backend":"\#(backend)","ingressPolicy":"isolated""#)
                #expect(out.succeeded, "\(out.stdout)")
            }
            #expect(try !lab.reaches(a1, lab.address(1)), "same bridge, isolated")
            #expect(try !lab.reaches(a2, lab.address(0, v6: true)), "same bridge, isolated, IPv6")
            #expect(try lab.reaches(a1, FirewallLab.outsideAddress), "out")
            #expect(try lab.reaches(lab.outside, lab.address(1)), "in from outside")
            #expect(try lab.firewall("CHECK", 0, #""backend":"\#(backend)","ingressPolicy":"isolated""#).succeeded)
        }
    }

    /// The nftables backend: DEL without prevResult removes exactly one attachment's rules, found
    /// through its anchor; GC removes those of attachments no longer valid; the admin chain's
    /// verdicts come before the plugin's.
    @Test func nftablesAttachmentsAreRemovedOneByOne() throws {
        try withFirewallLab(networks: ["fwa", "fwa", "fwa"]) { lab in
            for i in 0..<3 { #expect(try lab.firewall("ADD", i, #""backend":"nftables""#).succeeded) }
            func table() throws -> String { try lab.host.check(["nft", "list", "table", "inet", "cni_plugins_firewall"]) }
            #expect(try table().components(separatedBy: "accept comment").count - 1 == 12)
            #expect(try lab.firewall("DEL", 1, prev: false).succeeded, "DEL without prevResult, backend left to the default")
            let after = try table()
            #expect(!after.contains(lab.address(1) + " ") && after.contains(lab.address(0) + " ") && after.contains(lab.address(2) + " "))
            #expect(!after.contains("id: ctr1\""))
            #expect(try lab.firewall("CHECK", 0, #""backend":"nftables""#).succeeded)
            #expect(try !lab.firewall("CHECK", 1, #""backend":"nftables""#).succeeded)

            // GC keeps ctr0 only.
            let gc = #"{"cniVersion":"1.1.0","name":"fwa","type":"firewall","cni.dev/valid-attachments":[{"containerID":"ctr0","ifname":"eth0"}]}"#
            #expect(try PluginRunner(binary: Binaries.path("firewall"), host: lab.host).run("GC", config: gc, containerID: nil, ifName: nil).succeeded)
            let collected = try table()
            #expect(collected.contains(lab.address(0) + " ") && !collected.contains(lab.address(2) + " "))
            #expect(!collected.contains("id: ctr2\"") && collected.contains("id: ctr0\""))

            // An admin's drop in the admin chain wins over the plugin's accept.
            #expect(try lab.reaches(lab.outside, lab.address(0)))
            try lab.host.check(["nft", "add", "rule", "inet", "cni_plugins_firewall", "admin", "ip", "daddr", lab.address(0), "drop"])
            #expect(try !lab.reaches(lab.outside, lab.address(0)))
            #expect(try lab.firewall("ADD", 0, #""backend":"nftables""#).succeeded, "ADD again keeps the admin's rule")
            #expect(try table().contains("ip daddr \(lab.address(0)) drop"))
            #expect(try table().components(separatedBy: "id: ctr0\"").count - 1 == 5, "ADD again replaces (4 rules and the anchor), not duplicates")
        }
    }

    /// The iptables backend when the runtime has no result to send: a later plugin of the chain
    /// failed or was killed after this ADD, so nothing was cached and DEL comes without prevResult
    /// (the kill soak found the rules left). The owner rules say which addresses were the
    /// attachment's; GC removes those of attachments no longer valid. The reference's DEL still
    /// removes our address rules (its owner rule stays, until our GC).
    @Test func iptablesDelWithoutPrevResultAndGC() throws {
        try withFirewallLab(networks: ["fwa", "fwa", "fwa"]) { (lab) throws -> Void in
            let iptables = #""backend":"iptables""#
            for i in 0..<3 { #expect(try lab.firewall("ADD", i, iptables).succeeded) }
            func rules(of i: Int) throws -> Int {
                try lab.forwardRules(i).count + lab.forwardRules(i, chain: "CNI-FORWARD-OWNERS").count
            }
            #expect(try lab.forwardRules(0).count == 4, "per family two address rules")
            #expect(try lab.forwardRules(0, chain: "CNI-FORWARD-OWNERS").count == 2, "and the owner rule")

            #expect(try lab.firewall("DEL", 0, iptables, prev: false).succeeded)
            #expect(try rules(of: 0) == 0, "DEL without prevResult removes both families' rules")
            #expect(try rules(of: 1) == 6, "and no one else's")
            #expect(try rules(of: 2) == 6, "and no one else's")

            let reference = Binaries.referenceDirectory + "/firewall"
            #expect(try lab.firewall("DEL", 1, iptables, binary: reference).succeeded)
            #expect(try lab.forwardRules(1).isEmpty, "the reference removes our address rules")

            func gc(keeping valid: [Int]) throws -> Bool {
                let list = valid.map { #"{"containerID":"ctr\#($0)","ifname":"eth0"}"# }.joined(separator: ",")
                let config = #"{"cniVersion":"1.1.0","name":"fwa","type":"firewall","cni.dev/valid-attachments":[\#(list)]}"#
                return try PluginRunner(binary: Binaries.path("firewall"), host: lab.host)
                    .run("GC", config: config, containerID: nil, ifName: nil).succeeded
            }
            #expect(try gc(keeping: [2]))
            #expect(try rules(of: 1) == 0, "GC removes the owner rules the reference's DEL left")
            #expect(try rules(of: 2) == 6, "and keeps the valid attachment's rules")
            #expect(try gc(keeping: []))
            #expect(try rules(of: 2) == 0, "GC without valid attachments removes everything of the network")
            #expect(try lab.filterRules().contains("-A CNI-FORWARD -m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN"))
        }
    }

    /// A second family that cannot be written undoes the first: nothing of the attachment stays.
    @Test func failedAddLeavesNothing() throws {
        try withFirewallLab(networks: ["fwa"]) { lab in
            // ip6tables-restore that always fails, found first on PATH.
            let bin = lab.dataDir + "/fakebin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try "#!/bin/sh\nexit 1\n".write(toFile: bin + "/ip6tables-restore", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/ip6tables-restore")
            let out = try PluginRunner(binary: Binaries.path("firewall"), host: lab.host).run(
                "ADD", config: lab.firewallConfig(0, #""backend":"iptables""#), netns: lab.containers[0].ns.path,
                containerID: "ctr0", extra: ["PATH": bin + ":/usr/sbin:/usr/bin:/sbin:/bin"])
            #expect(!out.succeeded)
            #expect(jsonObject(out.stdout)?["code"] as? Int == 999)
            #expect(try !lab.filterRules().contains(lab.address(0)), "the IPv4 rules were removed again")
        }
    }

    /// STATUS answers for the backend ADD would use.
    @Test func status() throws {
        try withFirewallLab(networks: []) { lab in
            let runner = PluginRunner(binary: Binaries.path("firewall"), host: lab.host)
            for backend in ["iptables", "nftables", ""] {
                let config = #"{"cniVersion":"1.1.0","name":"fwa","type":"firewall","backend":"\#(backend)"}"#
                #expect(try runner.run("STATUS", config: config, containerID: nil, ifName: nil).succeeded, "\(backend)")
            }
            let noBus = #"{"cniVersion":"1.1.0","name":"fwa","type":"firewall","backend":"firewalld"}"#
            let out = try runner.run(
                "STATUS", config: noBus, containerID: nil, ifName: nil,
                extra: ["DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/nonexistent/swcni-bus"])
            #expect(jsonObject(out.stdout)?["code"] as? Int == 50)
        }
    }
}
