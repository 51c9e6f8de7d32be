import CNITestSupport
import Foundation
import Testing

/// Bad input and failures half-way through ADD: a CNI error, and no veth, lease or rule left.
@Suite(.enabled(if: isPrivileged), .serialized)
struct BridgeFailureTests {
    func error(_ out: CommandOutput) -> (code: Int, msg: String)? {
        guard !out.succeeded, let json = jsonObject(out.stdout) else { return nil }
        return (json["code"] as? Int ?? -1, json["msg"] as? String ?? "")
    }

    /// Runs a failing ADD and checks nothing of it remains (the bridge may).
    func expectCleanFailure(
        _ lab: BridgeLab, _ config: String, ifName: String = "eth0", code: Int? = nil, message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let out = try lab.ours().run("ADD", config: config, netns: lab.containers[0].path, containerID: "bad", ifName: ifName)
        let e = error(out)
        #expect(e != nil, "ADD should fail: \(out.stdout)", sourceLocation: sourceLocation)
        if let code { #expect(e?.code == code, "\(out.stdout)", sourceLocation: sourceLocation) }
        #expect(e?.msg.contains(message) == true, "\(out.stdout)", sourceLocation: sourceLocation)
        #expect(try lab.leftovers() == [], sourceLocation: sourceLocation)
        let links = try lab.containers[0].ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String }
        #expect(links == ["lo"], sourceLocation: sourceLocation)
    }

    @Test func invalidSubnet() throws {
        try withBridgeLab { lab in
            try expectCleanFailure(
                lab, lab.config(subnets: ["10.60.0.0/33"], extra: #""ipMasq":true"#), message: "invalid CIDR address")
        }
    }

    @Test func unknownIPAMType() throws {
        try withBridgeLab { lab in
            try expectCleanFailure(
                lab, lab.config(ipamType: "no-such-ipam", extra: #""ipMasq":true,"macspoofchk":true"#),
                message: "failed to find plugin \"no-such-ipam\"")
        }
    }

    @Test func interfaceNameTooLong() throws {
        try withBridgeLab { lab in
            try expectCleanFailure(lab, lab.config(), ifName: "eth0-much-too-long", code: 4, message: "interface name is too long")
        }
    }

    @Test func bridgeNameTakenByAVeth() throws {
        try withBridgeLab { lab in
            try lab.host.check(["ip", "link", "add", lab.bridgeName, "type", "veth", "peer", "name", "swcni-peer0"])
            let out = try lab.ours().run("ADD", config: lab.config(), netns: lab.containers[0].path, containerID: "bad")
            #expect(error(out)?.msg == "\"\(lab.bridgeName)\" already exists but is not a bridge")
            #expect(lab.leases() == [])
            #expect(try lab.containers[0].ipJSON(["link", "show"]).count == 1)
            try lab.host.check(["ip", "link", "del", lab.bridgeName])
            #expect(try lab.leftovers() == [])
        }
    }

    @Test func badConfigValuesAreCode7BeforeAnythingIsCreated() throws {
        try withBridgeLab { lab in
            try expectCleanFailure(lab, lab.config(extra: #""vlan":5000"#), code: 7, message: "invalid VLAN ID 5000")
            try expectCleanFailure(lab, lab.config(extra: #""hairpinMode":true,"promiscMode":true"#), code: 7, message: "hairpin")
            try expectCleanFailure(lab, lab.config(extra: #""runtimeConfig":{"mac":"ff:ff:ff:ff:ff:ff"}"#), code: 7, message: "unicast")
            #expect(try lab.hostLinks(prefix: lab.bridgeName) == [])
        }
    }

    @Test func missingNetnsChangesNothing() throws {
        try withBridgeLab { lab in
            let out = try lab.ours().run("ADD", config: lab.config(), netns: "/var/run/netns/swcni-none", containerID: "bad")
            #expect(error(out)?.code == 4)
            #expect(try lab.hostLinks(prefix: lab.bridgeName) == [], "the bridge is not even created")
            #expect(try lab.leftovers() == [])
        }
    }

    /// A conflicting gateway address is found after IPAM and the container's addresses: the
    /// rollback must delete the veth, release the lease and remove the masquerade rules.
    @Test func gatewayConflictRollsBackEverything() throws {
        try withBridgeLab { lab in
            try lab.host.check(["ip", "link", "add", lab.bridgeName, "type", "bridge"])
            try lab.host.check(["ip", "addr", "add", "10.61.9.9/16", "dev", lab.bridgeName])
            let config = lab.config(subnets: ["10.61.0.0/24"], extra: #""isGateway":true,"ipMasq":true,"macspoofchk":true"#)
            try expectCleanFailure(lab, config, message: "already has an IP address different from 10.61.0.1/24")
            #expect(try lab.host.check(["ip", "-4", "addr", "show", "dev", lab.bridgeName]).contains("10.61.9.9/16"))

            // forceAddress replaces it.
            let forced = lab.config(subnets: ["10.61.0.0/24"], extra: #""isGateway":true,"forceAddress":true"#)
            try lab.run(lab.ours(), "ADD", forced, container: lab.containers[0], id: "forced")
            let v4 = try lab.host.check(["ip", "-4", "addr", "show", "dev", lab.bridgeName])
            #expect(v4.contains("10.61.0.1/24") && !v4.contains("10.61.9.9"))
            try lab.run(lab.ours(), "DEL", forced, container: lab.containers[0], id: "forced")
            #expect(try lab.leftovers() == [])
        }
    }

    @Test func secondAddOfTheSameInterfaceFailsAndKeepsTheFirst() throws {
        try withBridgeLab { lab in
            let config = lab.config(subnets: ["10.62.0.0/24"])
            let first = try lab.run(lab.ours(), "ADD", config, container: lab.containers[0], id: "one")
            let out = try lab.ours().run("ADD", config: config, netns: lab.containers[0].path, containerID: "two")
            #expect(error(out)?.msg.contains("already exists") == true, "\(out.stdout)")
            #expect(lab.leases() == ["10.62.0.2"])
            #expect(try lab.hostLinks().count == 1)
            #expect(try lab.link("eth0", in: lab.containers[0])["address"] as? String
                == ((first["interfaces"] as? [[String: Any]])?[2]["mac"] as? String))
            try lab.run(lab.ours(), "DEL", config, container: lab.containers[0], id: "one")
            #expect(try lab.leftovers() == [])
        }
    }
}
