import CNITestSupport
import Foundation
import Testing

/// The teardown rule through the built binaries: an attachment set up with a good config is torn
/// down completely by a DEL whose config no longer validates (what a runtime sends after the
/// config was edited, or when it builds an option wrongly): options that do not read are unset,
/// and the flags that switch a cleanup on count as on. Only the envelope may fail DEL.
@Suite(.enabled(if: isPrivileged), .serialized)
struct TeardownRuleTests {
    /// Options of bridge, its IPAM section, `prevResult` and `CNI_ARGS`, all broken at once; the
    /// repeated keys override the good ones.
    static let brokenBridgeOptions = #""ipMasq":"on","macspoofchk":1,"mtu":"x","vlan":9999,"hairpinMode":true,"promiscMode":true,"dns":"x","capabilities":[],"ipam":{"ranges":null,"routes":"x"},"prevResult":{"ips":"x"}"#

    @Test func bridgeDeleteWithAConfigThatNoLongerValidatesCleansUp() throws {
        try withBridgeLab { lab in
            let good = lab.config(subnets: ["10.66.7.0/24"], extra: #""ipMasq":true,"macspoofchk":true"#)
            try lab.run(lab.ours(), "ADD", good, container: lab.containers[0], id: "edited")
            #expect(try lab.leftovers().count > 2, "ADD made a veth, a lease and rules")
            let broken = lab.config(subnets: ["10.66.7.0/24"], extra: Self.brokenBridgeOptions)
            let add = try lab.ours().run("ADD", config: broken, netns: lab.containers[0].path, containerID: "other")
            #expect(!add.succeeded, "the broken config must not validate: \(add.stdout)")
            try lab.run(lab.ours(), "DEL", broken, container: lab.containers[0], id: "edited", args: "ip=10.66.7.9;junk")
            #expect(try lab.leftovers() == [])
            // Without the netns, as ctr and nerdctl send it, too.
            try lab.run(lab.ours(), "ADD", good, container: lab.containers[0], id: "gone")
            try lab.run(lab.ours(), "DEL", broken, container: nil, id: "gone")
            try lab.waitForHostVeths(atMost: 1)
            #expect(try lab.leftovers().filter { !$0.hasPrefix("link") } == [])
            // The envelope still counts.
            let badName = try lab.ours().run("DEL", config: lab.config(name: "bad/name"), netns: "", containerID: "gone")
            #expect(jsonObject(badName.stdout)?["code"] as? Int == 7)
        }
    }

    @Test func ptpDeleteWithAConfigThatNoLongerValidatesCleansUp() throws {
        try withTestNamespaces(2, prefix: "td") { ns in
            let net = PTPNetwork(host: ns[0])
            let good = net.config(extra: ["ipMasq": true])
            try net.add(ns[1], config: good)
            #expect(try !net.host.masqueradeRules().isEmpty && !net.leases().isEmpty)
            var broken = (try JSONSerialization.jsonObject(with: Data(good.utf8))) as! [String: Any]
            broken["ipMasq"] = 1
            broken["mtu"] = -1
            broken["ipMasqBackend"] = "pf"
            broken["dns"] = "x"
            var ipam = broken["ipam"] as! [String: Any]
            ipam["ranges"] = NSNull()
            broken["ipam"] = ipam
            broken["prevResult"] = ["ips": "x"]
            let out = try net.run("DEL", ns[1], config: PTPNetwork.json(broken))
            #expect(out.succeeded, "\(out.stdout)")
            try net.waitForNoLinks()
            try net.expectClean()
        }
    }

    @Test func portmapDeleteWithMappingsThatNoLongerValidateCleansUp() throws {
        try withPortMapNetwork(containers: 1) { net in
            let good = net.portmapConfig(0, mappings: #"[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]"#, extra: #","backend":"iptables""#)
            let add = try net.portmap("ADD", 0, config: good)
            #expect(add.succeeded, "\(add.stdout)")
            #expect(try net.host.iptablesSave().contains("18080"))
            let broken = net.portmapConfig(
                0, mappings: #"[{"hostPort":0,"containerPort":80},{"HostPort":"18080"}]"#,
                extra: #","backend":"iptables","snat":"maybe","markMasqBit":99,"conditionsV4":"-s x","prevResult":{"ips":"x"}"#)
            let del = try net.portmap("DEL", 0, config: broken)
            #expect(del.succeeded, "\(del.stdout)")
            #expect(try !net.host.iptablesSave().contains("18080"))
            #expect(try !net.host.iptablesSave().contains("CNI-DN-"))
        }
    }

    @Test(arguments: ["iptables", "nftables"])
    func firewallDeleteWithOptionsThatNoLongerValidateCleansUp(backend: String) throws {
        try withFirewallLab(networks: ["fwa"]) { lab in
            let add = try lab.firewall("ADD", 0, #""backend":"\#(backend)""#)
            #expect(add.succeeded, "\(add.stdout)")
            let address = lab.address(0)
            #expect(try lab.host.iptablesSave().contains(address) || lab.host.check(["nft", "list", "ruleset"]).contains(address))
            let del = try lab.firewall("DEL", 0, #""backend":"\#(backend)","ingressPolicy":"closed","iptablesAdminChainName":"MY ADMIN","firewalldZone":5"#)
            #expect(del.succeeded, "\(del.stdout)")
            #expect(try !lab.host.iptablesSave().contains(address))
            #expect(try !lab.host.check(["nft", "list", "ruleset"]).contains(address))
        }
    }
}
