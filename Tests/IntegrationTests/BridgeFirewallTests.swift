import CNITestSupport
import Foundation
import Testing

/// ipMasq and macspoofchk through the built binary: real TCP and ICMP between namespaces, rule
/// sets before and after, DEL without a netns, GC.
@Suite(.enabled(if: isPrivileged), .serialized)
struct BridgeFirewallTests {
    /// Connects `lab.host` to a "remote" namespace (192.0.2.0/24, 2001:db8::/64) that has no route
    /// back to the containers: only masquerading to the host's address gets replies home.
    func wireRemote(_ lab: BridgeLab, _ remote: TestNamespace) throws {
        let sh = { (line: String) throws in _ = try Command.shell(line) }
        try sh("ip -n \(lab.host.name) link add vr0 type veth peer name eth0 netns \(remote.name)")
        try sh("ip -n \(lab.host.name) addr add 192.0.2.1/24 dev vr0 && ip -n \(lab.host.name) addr add 2001:db8::1/64 dev vr0 nodad")
        try sh("ip -n \(remote.name) addr add 192.0.2.2/24 dev eth0 && ip -n \(remote.name) addr add 2001:db8::2/64 dev eth0 nodad")
        try sh("ip -n \(lab.host.name) link set vr0 up && ip -n \(remote.name) link set eth0 up")
    }

    @Test(arguments: ["nftables", "iptables"])
    func masqueradedConnectionArrivesFromTheHostAddress(backend: String) throws {
        try withBridgeLab(containers: 3) { lab in
            let remote = lab.containers[2]
            try wireRemote(lab, remote)
            let servers = try PeerEcho.start(in: remote, on: ["192.0.2.2", "2001:db8::2"])
            defer { PeerEcho.stop(servers) }
            let config = lab.config(subnets: ["10.63.0.0/24", "fd63::/64"], extra: #""isDefaultGateway":true,"ipMasq":true,"ipMasqBackend":"\#(backend)""#)

            // Another attachment stays throughout; the state before ours is compared after our DEL.
            try lab.run(lab.ours(), "ADD", config, container: lab.containers[1], id: "neighbour")
            let nftBefore = try lab.host.ruleset(), iptablesBefore = try lab.host.iptablesSave()

            let result = try lab.run(lab.ours(), "ADD", config, container: lab.containers[0], id: "masq")
            try lab.waitForBridgeDAD()
            #expect(try lab.connect(from: lab.containers[0], to: "192.0.2.2") == "192.0.2.1")
            #expect(try lab.connect(from: lab.containers[0], to: "2001:db8::2") == "2001:db8::1")
            if backend == "iptables" {
                #expect(try lab.host.iptablesSave().contains("CNI-"))
            } else {
                #expect(try lab.host.ruleset().contains("id: masq\""))
            }
            let check = try lab.ours().run("CHECK", config: withPrevResult(config, result), netns: lab.containers[0].path, containerID: "masq")
            #expect(check.succeeded, "\(check.stdout)")

            try lab.run(lab.ours(), "DEL", config, container: lab.containers[0], id: "masq")
            #expect(try lab.host.ruleset() == nftBefore)
            #expect(try lab.host.iptablesSave() == iptablesBefore)
            try lab.run(lab.ours(), "DEL", config, container: lab.containers[1], id: "neighbour")
            #expect(try lab.leftovers() == [])
        }
    }

    @Test func delWithoutNetnsRemovesRulesFromPrevResultAndReleasesTheLease() throws {
        try withBridgeLab(containers: 2) { lab in
            let config = lab.config(subnets: ["10.64.0.0/24"], extra: #""ipMasq":true,"ipMasqBackend":"iptables","macspoofchk":true"#)
            let result = try lab.run(lab.ours(), "ADD", config, container: lab.containers[0], id: "gone")
            #expect(try lab.leftovers().count > 2)
            let withPrev = try withPrevResult(config, result)
            // The runtime lost the netns (nerdctl/ctr send none): DEL still cleans the host.
            lab.containers[0].delete()
            try lab.waitForHostVeths(atMost: 0)
            try lab.run(lab.ours(), "DEL", withPrev, container: nil, id: "gone")
            #expect(try lab.leftovers() == [])
            // Repeated DEL, and DEL naming a netns that no longer exists, succeed.
            try lab.run(lab.ours(), "DEL", config, container: nil, id: "gone")
            let out = try lab.ours().run("DEL", config: config, netns: lab.containers[0].path, containerID: "gone")
            #expect(out.succeeded, "\(out.stdout)")
        }
    }

    @Test func checkAfterAddAndWhenSomethingIsMissing() throws {
        try withBridgeLab { lab in
            let ctr = lab.containers[0]
            let config = lab.config(subnets: ["10.65.0.0/24"], extra: #""isDefaultGateway":true,"ipMasq":true,"ipMasqBackend":"nftables","macspoofchk":true"#)
            let result = try lab.run(lab.ours(), "ADD", config, container: ctr, id: "chk")
            let withPrev = try withPrevResult(config, result)
            let check = { try lab.ours().run("CHECK", config: withPrev, netns: ctr.path, containerID: "chk") }
            let first = try check()
            #expect(first.succeeded, "\(first.stdout)")

            let noPrev = try lab.ours().run("CHECK", config: config, netns: ctr.path, containerID: "chk")
            #expect(noPrev.stdout.contains("Required prevResult missing"))

            try ctr.check(["ip", "route", "del", "default"])
            #expect(try check().stdout.contains("route 0.0.0.0/0 via 10.65.0.1 not found"))
            try ctr.check(["ip", "route", "add", "default", "via", "10.65.0.1"])
            #expect(try check().succeeded)

            // A missing masquerade rule is found too (the reference does not look).
            let handle = try lab.host.check(["nft", "-a", "list", "chain", "inet", "cni_plugins_masquerade", "masq_checks"])
                .split(separator: "\n").first { $0.contains("id: chk") }?.split(separator: " ").last.map(String.init) ?? ""
            try lab.host.check(["nft", "delete", "rule", "inet", "cni_plugins_masquerade", "masq_checks", "handle", handle])
            #expect(try !check().succeeded)

            try lab.run(lab.ours(), "DEL", withPrev, container: ctr, id: "chk")
            #expect(try lab.leftovers() == [])
        }
    }

    @Test func gcRemovesRulesAndLeasesOfAttachmentsNotValid() throws {
        try withBridgeLab(containers: 2) { lab in
            let config = lab.config(version: "1.1.0", subnets: ["10.66.0.0/24"], extra: #""ipMasq":true,"ipMasqBackend":"nftables","macspoofchk":true"#)
            try lab.run(lab.ours(), "ADD", config, container: lab.containers[0], id: "keep")
            try lab.run(lab.ours(), "ADD", config, container: lab.containers[1], id: "stale")
            // The stale container vanished without a DEL. The kernel destroys a deleted
            // namespace's veths in the background: wait until its host end is gone.
            lab.containers[1].delete()
            try lab.waitForHostVeths(atMost: 1)
            let gc = String(config.dropLast()) + #","cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"}]}"#
            let out = try lab.ours().run("GC", config: gc, netns: nil, containerID: nil, ifName: nil)
            #expect(out.succeeded, "\(out.stdout)")
            let left = try lab.leftovers()
            #expect(left.contains { $0.contains("id: keep") } && !left.contains { $0.contains("id: stale") })
            #expect(left.contains { $0.contains("macspoofchk-keep-eth0") } && !left.contains { $0.contains("macspoofchk-stale") })
            #expect(lab.leases() == ["10.66.0.2"])
            #expect(try lab.ours().run("STATUS", config: config, netns: nil, containerID: nil, ifName: nil).succeeded)
            try lab.run(lab.ours(), "DEL", config, container: lab.containers[0], id: "keep")
            #expect(try lab.leftovers() == [])
        }
    }

    /// Frames with another source MAC than the container's are dropped at the port.
    @Test func spoofCheckDropsForeignSourceMACs() throws {
        try withBridgeLab { lab in
            let ctr = lab.containers[0]
            let config = lab.config(subnets: ["10.67.0.0/24"], extra: #""isGateway":true,"macspoofchk":true"#)
            try lab.run(lab.ours(), "ADD", config, container: ctr, id: "spoof")
            #expect(try lab.unreachable(from: ctr, ["10.67.0.1"]) == [])
            try ctr.check(["ip", "link", "set", "eth0", "address", "0a:00:00:00:be:ef"])
            try ctr.check(["ip", "neigh", "flush", "all"])
            #expect(try lab.unreachable(from: ctr, ["10.67.0.1"], timeout: 0.6) == ["10.67.0.1"])
            // Setup is idempotent: a second setup (CHECK would otherwise see two jumps) keeps one.
            try lab.run(lab.ours(), "DEL", config, container: ctr, id: "spoof")
            #expect(try lab.leftovers() == [])
            #expect(try !lab.host.ruleset().contains("cni-br-iface"))
        }
    }
}
