import CNITestSupport
import Foundation
import Testing

/// Ours beside Debian's bridge (containernetworking-plugins 1.1.1): the same result JSON and the
/// same firewall objects, and a mixed fleet where each side tears down the other's attachments.
@Suite(.enabled(if: isPrivileged && debianBridgeInstalled), .serialized)
struct BridgeInteropTests {
    /// MACs, random veth names, the netns path and the bridge name made comparable.
    func normalized(_ text: String, _ lab: BridgeLab) -> String {
        var out = text.replacingOccurrences(of: #"[0-9a-f]{2}(:[0-9a-f]{2}){5}"#, with: "MAC", options: .regularExpression)
        out = out.replacingOccurrences(of: #"veth[0-9a-f]{8}"#, with: "VETH", options: .regularExpression)
        out = out.replacingOccurrences(of: lab.containers[0].path, with: "NETNS")
        return out.replacingOccurrences(of: lab.bridgeName, with: "BRIDGE")
    }

    @Test(arguments: [
        ("0.3.1", "host-local"), ("0.4.0", "host-local"), ("1.0.0", "host-local"), ("1.0.0", ""), ("0.4.0", ""),
    ])
    func resultJSONMatchesDebiansSideBySide(version: String, ipam: String) throws {
        try withBridgeLab { ours in
            try withBridgeLab { theirs in
                let extra = #""isDefaultGateway":\#(!ipam.isEmpty),"hairpinMode":true,"mtu":1400"#
                let a = try ours.ours().run(
                    "ADD", config: ours.config(version: version, ipamType: ipam, extra: extra), netns: ours.containers[0].path,
                    containerID: "side")
                let b = try theirs.reference().run(
                    "ADD", config: theirs.config(version: version, ipamType: ipam, extra: extra), netns: theirs.containers[0].path,
                    containerID: "side")
                #expect(a.succeeded && b.succeeded, "\(a.stdout)\n\(b.stdout)")
                #expect(normalized(a.stdout, ours) == normalized(b.stdout, theirs))
                // The same kernel state on both sides (DAD is switched off only on L3 networks, as there).
                let dad = try [ours, theirs].map { try $0.containers[0].check(["sysctl", "-n", "net.ipv6.conf.eth0.accept_dad"]) }
                #expect(dad[0] == dad[1] && dad[0].hasPrefix(ipam.isEmpty ? "1" : "0"))
                for lab in [ours, theirs] {
                    #expect(try lab.link("eth0", in: lab.containers[0])["mtu"] as? Int == 1400)
                }
                try ours.run(ours.ours(), "DEL", ours.config(version: version, ipamType: ipam, extra: extra), container: ours.containers[0], id: "side")
                try theirs.run(
                    theirs.reference(), "DEL", theirs.config(version: version, ipamType: ipam, extra: extra), container: theirs.containers[0],
                    id: "side")
                #expect(try ours.leftovers() == [] && theirs.leftovers() == [])
            }
        }
    }

    /// From a pristine host namespace, ADD then DEL leaves the same firewall state as Debian's pair
    /// does: no rule, chain or jump of the attachment, only the empty tables iptables-nft created
    /// (iptables-save prints the empty nat table afterwards, as it does after the reference). With
    /// iptables named: ours would pick nftables on a pristine node, Debian's 1.1.1 knows only iptables.
    @Test func addThenDelLeavesWhatDebiansLeaves() throws {
        try withBridgeLab { ours in
            try withBridgeLab { theirs in
                let extra = #""isGateway":true,"ipMasq":true,"ipMasqBackend":"iptables","macspoofchk":true"#
                for (lab, runner) in [(ours, ours.ours()), (theirs, theirs.reference())] {
                    #expect(try lab.host.iptablesSave().split(separator: "\n").allSatisfy { $0.isEmpty })
                    try lab.run(runner, "ADD", lab.config(subnets: ["10.69.0.0/24"], extra: extra), container: lab.containers[0], id: "pristine")
                    try lab.run(runner, "DEL", lab.config(subnets: ["10.69.0.0/24"], extra: extra), container: lab.containers[0], id: "pristine")
                    #expect(try lab.leftovers() == [])
                }
                #expect(try ours.host.iptablesSave() == theirs.host.iptablesSave())
                #expect(try normalized(ours.host.ruleset(), ours) == normalized(theirs.host.ruleset(), theirs))
            }
        }
    }

    @Test func spoofCheckRulesAreDebiansRules() throws {
        try withBridgeLab { ours in
            try withBridgeLab { theirs in
                let extra = #""macspoofchk":true"#
                try ours.run(ours.ours(), "ADD", ours.config(extra: extra), container: ours.containers[0], id: "spoof")
                try theirs.run(theirs.reference(), "ADD", theirs.config(extra: extra), container: theirs.containers[0], id: "spoof")
                let mine = try ours.host.check(["nft", "list", "table", "bridge", "nat"])
                let reference = try theirs.host.check(["nft", "list", "table", "bridge", "nat"])
                #expect(normalized(mine, ours) == normalized(reference, theirs))
                try ours.run(ours.ours(), "DEL", ours.config(extra: extra), container: ours.containers[0], id: "spoof")
                try theirs.run(theirs.reference(), "DEL", theirs.config(extra: extra), container: theirs.containers[0], id: "spoof")
            }
        }
    }

    @Test func oursWithDebiansHostLocal() throws {
        try withBridgeLab { lab in
            let config = lab.config(extra: #""isGateway":true"#)
            let ctr = lab.containers[0]
            let runner = lab.ours(cniPath: Binaries.referenceDirectory)
            let result = try lab.run(runner, "ADD", config, container: ctr, id: "mixed")
            #expect(lab.leases() == ["10.55.0.2", "fd55::2"])
            let lease = try String(contentsOfFile: lab.dataDir + "/brnet/10.55.0.2", encoding: .utf8)
            #expect(lease == "mixed\r\neth0")
            let check = try runner.run("CHECK", config: withPrevResult(config, result), netns: ctr.path, containerID: "mixed")
            #expect(check.succeeded, "\(check.stdout)")
            try lab.run(runner, "DEL", config, container: ctr, id: "mixed")
            #expect(try lab.leftovers() == [])
        }
    }

    /// Debian's ADD (iptables masquerade, spoof check, Debian's host-local) removed by our DEL.
    @Test func debiansAttachmentTornDownByOurs() throws {
        try withBridgeLab { lab in
            let config = lab.config(extra: #""isGateway":true,"ipMasq":true,"macspoofchk":true"#)
            try lab.run(lab.reference(), "ADD", config, container: lab.containers[0], id: "deb")
            let left = try lab.leftovers()
            #expect(left.contains { $0.hasPrefix("iptables") } && left.contains { $0.contains("macspoofchk") } && left.contains { $0.hasPrefix("lease") })
            try lab.run(lab.ours(cniPath: Binaries.referenceDirectory), "DEL", config, container: lab.containers[0], id: "deb")
            #expect(try lab.leftovers() == [])
            // The empty masquerade chain of the reference's layout is gone with it.
            #expect(try !lab.host.iptablesSave().contains(":CNI-"))
        }
    }

    /// Our ADD with the iptables masquerade (the only backend Debian 1.1.1 knows) removed by Debian's DEL.
    @Test func oursTornDownByDebians() throws {
        try withBridgeLab { lab in
            let config = lab.config(extra: #""isGateway":true,"ipMasq":true,"ipMasqBackend":"iptables","macspoofchk":true"#)
            try lab.run(lab.ours(), "ADD", config, container: lab.containers[0], id: "mine")
            #expect(try lab.host.iptablesSave().contains(":CNI-"))
            try lab.run(lab.reference(), "DEL", config, container: lab.containers[0], id: "mine")
            #expect(try lab.leftovers() == [])
            #expect(try !lab.host.ruleset().contains("cni-br-iface"))
        }
    }
}
