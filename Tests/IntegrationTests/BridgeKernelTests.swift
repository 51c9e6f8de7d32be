import CNITestSupport
import Foundation
import Testing

/// The built `bridge` binary in throwaway namespaces: several containers on one bridge, real
/// pings and the kernel's view of every setting.
@Suite(.enabled(if: isPrivileged), .serialized)
struct BridgeKernelTests {
    func ips(_ result: [String: Any]) -> [String] {
        ((result["ips"] as? [[String: Any]]) ?? []).compactMap { $0["address"] as? String }
    }

    func hostVeth(_ result: [String: Any]) -> String {
        ((result["interfaces"] as? [[String: Any]]) ?? [])[1]["name"] as? String ?? ""
    }

    @Test func threeContainersDualStackReachEachOtherAndTheGateway() throws {
        try withBridgeLab(containers: 3) { lab in
            let config = lab.config(extra: #""isDefaultGateway":true,"hairpinMode":true,"mtu":1400"#)
            var results: [[String: Any]] = []
            for (i, ctr) in lab.containers.enumerated() {
                results.append(try lab.run(lab.ours(), "ADD", config, container: ctr, id: "ctr\(i)"))
            }
            let addresses = results.map(ips)
            #expect(addresses.map(\.count) == [2, 2, 2])
            #expect(Set(addresses.flatMap { $0 }).count == 6, "distinct addresses: \(addresses)")

            // The bridge carries both gateways, with its own MTU from the config.
            let bridgeAddresses = try lab.host.ipJSON(["addr", "show", "dev", lab.bridgeName]).first?["addr_info"] as? [[String: Any]] ?? []
            let gateways = bridgeAddresses.compactMap { a -> String? in
                guard let local = a["local"] as? String, let len = a["prefixlen"] as? Int, a["scope"] as? String == "global" else { return nil }
                return "\(local)/\(len)"
            }
            #expect(Set(gateways) == ["10.55.0.1/24", "fd55::1/64"])
            #expect(try lab.link(lab.bridgeName, in: lab.host)["mtu"] as? Int == 1400)

            for (i, ctr) in lab.containers.enumerated() {
                let veth = hostVeth(results[i])
                #expect(veth.hasPrefix("veth") && veth.count == 12)
                let port = try lab.link(veth, in: lab.host)
                #expect(port["mtu"] as? Int == 1400)
                #expect(port["master"] as? String == lab.bridgeName)
                #expect(port["linkinfo", "info_slave_data", "hairpin"] as? Bool == true)
                #expect(port["linkinfo", "info_slave_data", "isolated"] as? Bool == false)
                #expect(port["operstate"] as? String == "UP")
                #expect(try lab.link("eth0", in: ctr)["mtu"] as? Int == 1400)
                // DAD is off unless enabledad; arp_notify on.
                #expect(try ctr.check(["sysctl", "-n", "net.ipv6.conf.eth0.accept_dad"]).hasPrefix("0"))
                #expect(try ctr.check(["sysctl", "-n", "net.ipv4.conf.eth0.arp_notify"]).hasPrefix("1"))
                let v4 = try ctr.ipJSON(["-4", "route", "show", "default"]).first
                let v6 = try ctr.ipJSON(["-6", "route", "show", "default"]).first
                #expect(v4?["gateway"] as? String == "10.55.0.1")
                #expect(v6?["gateway"] as? String == "fd55::1")
            }
            #expect(try lab.host.check(["sysctl", "-n", "net.ipv4.ip_forward"]).hasPrefix("1"))
            #expect(try lab.host.check(["sysctl", "-n", "net.ipv6.conf.all.forwarding"]).hasPrefix("1"))

            try lab.waitForBridgeDAD()
            for (i, ctr) in lab.containers.enumerated() {
                let others = addresses.enumerated().filter { $0.offset != i }.flatMap { $0.element }
                let targets = others.map { String($0.split(separator: "/")[0]) } + ["10.55.0.1", "fd55::1"]
                #expect(try lab.unreachable(from: ctr, targets) == [], "from ctr\(i)")
            }

            for (i, ctr) in lab.containers.enumerated() {
                try lab.run(lab.ours(), "DEL", config, container: ctr, id: "ctr\(i)")
                #expect(try !ctr.run(["ip", "link", "show", "eth0"]).succeeded)
            }
            #expect(try lab.leftovers() == [])
            // The bridge stays, as the reference leaves it.
            #expect(try lab.hostLinks(prefix: lab.bridgeName) == [lab.bridgeName])
        }
    }

    @Test func isolatedPortsReachTheGatewayButNotEachOther() throws {
        try withBridgeLab(containers: 2) { lab in
            let config = lab.config(subnets: ["10.56.0.0/24"], extra: #""isGateway":true,"portIsolation":true"#)
            let a = try lab.run(lab.ours(), "ADD", config, container: lab.containers[0], id: "iso-a")
            let b = try lab.run(lab.ours(), "ADD", config, container: lab.containers[1], id: "iso-b")
            for result in [a, b] {
                #expect(try lab.link(hostVeth(result), in: lab.host)["linkinfo", "info_slave_data", "isolated"] as? Bool == true)
            }
            let bAddress = String(ips(b)[0].split(separator: "/")[0])
            #expect(try lab.unreachable(from: lab.containers[0], ["10.56.0.1"]) == [])
            #expect(try lab.unreachable(from: lab.containers[0], [bAddress], timeout: 0.5) == [bAddress])
            try lab.run(lab.ours(), "DEL", config, container: lab.containers[0], id: "iso-a")
            try lab.run(lab.ours(), "DEL", config, container: lab.containers[1], id: "iso-b")
            #expect(try lab.leftovers() == [])
        }
    }

    /// Pods start in parallel: concurrent ADDs race to create the bridge, put the gateway address
    /// on it and write the same rule tables; every one must succeed, and the DELs as well.
    @Test(arguments: ["nftables", "iptables"])
    func concurrentAddsAndDels(backend: String) throws {
        try withBridgeLab(containers: 6) { lab in
            let config = lab.config(
                subnets: ["10.68.0.0/24"], extra: #""isGateway":true,"ipMasq":true,"ipMasqBackend":"\#(backend)","macspoofchk":true"#)
            let outcomes = ConcurrentOutcomes(count: lab.containers.count)
            DispatchQueue.concurrentPerform(iterations: lab.containers.count) { i in
                outcomes.set(i, Result { try lab.run(lab.ours(), "ADD", config, container: lab.containers[i], id: "par\(i)") })
            }
            let results = try outcomes.values.map { try $0!.get() }
            #expect(Set(results.flatMap(ips)).count == lab.containers.count)
            #expect(try lab.hostLinks().count == lab.containers.count)
            let dels = ConcurrentOutcomes(count: lab.containers.count)
            DispatchQueue.concurrentPerform(iterations: lab.containers.count) { i in
                dels.set(i, Result { try lab.run(lab.ours(), "DEL", config, container: lab.containers[i], id: "par\(i)") })
            }
            for outcome in dels.values { _ = try outcome!.get() }
            #expect(try lab.leftovers() == [])
        }
    }

    /// Two attachments of one network in one container: each interface gets its routes beside
    /// the other's (appended, as the reference's RouteAddEcmp does), instead of failing on EEXIST.
    @Test func twoInterfacesOfOneNetworkInOneContainer() throws {
        try withBridgeLab { lab in
            let ctr = lab.containers[0]
            let config = lab.config(extra: #""isDefaultGateway":true"#)
            for i in 0..<2 {
                try lab.run(lab.ours(), "ADD", config, container: ctr, id: "multi\(i)", ifName: "eth\(i)")
            }
            let v4 = try ctr.ipJSON(["-4", "route", "show", "default"]).compactMap { $0["dev"] as? String }
            #expect(Set(v4) == ["eth0", "eth1"])
            let v6 = try ctr.check(["ip", "-6", "route", "show", "default"])
            #expect(v6.contains("dev eth0") && v6.contains("dev eth1"), "\(v6)")
            for i in 0..<2 {
                try lab.run(lab.ours(), "DEL", config, container: ctr, id: "multi\(i)", ifName: "eth\(i)")
            }
            #expect(try lab.leftovers() == [])
        }
    }

    @Test func layer2OnlyAndDisabledContainerInterface() throws {
        try withBridgeLab(containers: 2) { lab in
            let l2 = lab.config(ipamType: "")
            let result = try lab.run(lab.ours(), "ADD", l2, container: lab.containers[0], id: "l2")
            #expect(result["ips"] == nil)
            #expect((result["interfaces"] as? [[String: Any]])?.count == 3)
            #expect(try lab.link("eth0", in: lab.containers[0])["operstate"] as? String == "UP")

            let disabled = lab.config(ipamType: "", extra: #""disableContainerInterface":true"#)
            try lab.run(lab.ours(), "ADD", disabled, container: lab.containers[1], id: "l2-down")
            let flags = try lab.link("eth0", in: lab.containers[1])["flags"] as? [String] ?? []
            #expect(!flags.contains("UP"))

            try lab.run(lab.ours(), "DEL", l2, container: lab.containers[0], id: "l2")
            try lab.run(lab.ours(), "DEL", disabled, container: lab.containers[1], id: "l2-down")
            #expect(try lab.hostLinks() == [])
        }
    }

    @Test func enabledadWaitsForDuplicateAddressDetection() throws {
        try withBridgeLab { lab in
            let config = lab.config(subnets: ["fd57::/64"], extra: #""isGateway":true,"enabledad":true"#)
            try lab.run(lab.ours(), "ADD", config, container: lab.containers[0], id: "dad")
            let ctr = lab.containers[0]
            #expect(try ctr.check(["sysctl", "-n", "net.ipv6.conf.eth0.accept_dad"]).hasPrefix("1"))
            // ADD returned only once no address was tentative any more.
            #expect(try ctr.check(["ip", "-6", "addr", "show", "dev", "eth0", "tentative"]).isEmpty)
            try lab.run(lab.ours(), "DEL", config, container: ctr, id: "dad")
        }
    }

    @Test func requestedMACAndPromiscuousBridge() throws {
        try withBridgeLab { lab in
            let config = lab.config(subnets: ["10.58.0.0/24"], extra: #""promiscMode":true,"runtimeConfig":{"mac":"0a:58:0a:3a:00:99"}"#)
            let result = try lab.run(lab.ours(), "ADD", config, container: lab.containers[0], id: "mac", args: "IgnoreUnknown=1;MAC=0a:00:00:00:00:01")
            let interfaces = result["interfaces"] as? [[String: Any]] ?? []
            #expect(interfaces[2]["mac"] as? String == "0a:58:0a:3a:00:99")
            #expect(try lab.link("eth0", in: lab.containers[0])["address"] as? String == "0a:58:0a:3a:00:99")
            #expect((try lab.link(lab.bridgeName, in: lab.host)["flags"] as? [String] ?? []).contains("PROMISC"))
            try lab.run(lab.ours(), "DEL", config, container: lab.containers[0], id: "mac")
        }
    }

    /// Without CONFIG_BRIDGE_VLAN_FILTERING (this machine's kernel) ADD fails cleanly: a new bridge
    /// cannot be created with vlan_filtering, and on an existing plain bridge the VLAN request fails
    /// after the veth exists, which must then be rolled back. `VLANVMTests` covers the VLAN path.
    @Test(.disabled(if: KernelFeature.bridgeVLANFiltering.isAvailable, "this kernel has bridge VLAN filtering: VLANVMTests covers it"))
    func vlanAndTrunkFailCleanlyWithoutVLANFiltering() throws {
        try withBridgeLab { lab in
            let config = lab.config(subnets: ["10.59.0.0/24"], extra: #""vlan":100,"vlanTrunk":[{"minID":200,"maxID":201}]"#)
            let fresh = try lab.ours().run("ADD", config: config, netns: lab.containers[0].path, containerID: "vlan")
            #expect(!fresh.succeeded)
            #expect(fresh.stdout.contains("could not add bridge"))
            try lab.host.check(["ip", "link", "add", lab.bridgeName, "type", "bridge"])
            let existing = try lab.ours().run("ADD", config: config, netns: lab.containers[0].path, containerID: "vlan")
            #expect(!existing.succeeded)
            #expect(existing.stdout.contains("VLAN"), "\(existing.stdout)")
            #expect(try !lab.containers[0].run(["ip", "link", "show", "eth0"]).succeeded)
            #expect(try lab.leftovers() == [])
        }
    }
}

extension BridgeKernelTests {
    /// `vlan` and `vlanTrunk` on a kernel with bridge VLAN filtering, which the development
    /// machines' kernel lacks: scripts/vm/test.sh runs this suite in the VM.
    @Suite(.needsKernel(.bridgeVLANFiltering)) struct VLANVMTests {
        /// The port shows the access VLAN and the trunk in `bridge -j vlan show`, the bridge has
        /// vlan_filtering on, and DEL leaves nothing.
        @Test func vlanAndTrunkOnThePort() throws {
            try withBridgeLab { lab in
                let config = lab.config(subnets: ["10.59.0.0/24"], extra: #""vlan":100,"vlanTrunk":[{"minID":200,"maxID":201}]"#)
                let result = try lab.run(lab.ours(), "ADD", config, container: lab.containers[0], id: "vlan")
                let hostVeth = ((result["interfaces"] as? [[String: Any]]) ?? [])[1]["name"] as? String ?? ""
                let out = try lab.host.check(["bridge", "-j", "vlan", "show", "dev", hostVeth])
                let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]] ?? []
                let vlans = (json.first?["vlans"] as? [[String: Any]]) ?? []
                #expect(vlans.compactMap { $0["vlan"] as? Int } == [100, 200, 201])
                #expect((vlans.first?["flags"] as? [String]) == ["PVID", "Egress Untagged"])
                #expect(try lab.link(lab.bridgeName, in: lab.host)["linkinfo", "info_data", "vlan_filtering"] as? Int == 1)
                try lab.run(lab.ours(), "DEL", config, container: lab.containers[0], id: "vlan")
                #expect(try lab.leftovers() == [])
            }
        }
    }
}
