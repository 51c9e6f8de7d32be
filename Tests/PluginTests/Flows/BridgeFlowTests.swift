import CNI
import CNITestSupport
import NetAddress
import Netlink
import Testing

@testable import Bridge

/// bridge's verbs in-process against the fake kernel (no root): what ADD leaves in both
/// namespaces, the firewall and IPAM, read back against the result it prints; DEL taking all of
/// it away; an ADD failing at each of its steps leaving nothing but the shared bridge.
@Suite struct BridgeFlowTests {
    static func config(_ extra: String = "", backend: String = "nftables") -> String {
        #"{"cniVersion":"1.1.0","name":"fakenet","type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":true,"ipMasqBackend":"\#(backend)","macspoofchk":true,"ipam":{"type":"fake-ipam"}\#(extra)}"#
    }

    static func plugin(_ machine: FakeHost) -> BridgePlugin {
        BridgePlugin(resources: machine.resources, firewall: machine.firewall)
    }

    /// The config with `prevResult`, as the runtime sends CHECK and DEL.
    static func chained(_ config: String, _ add: PluginRun) -> String {
        String(config.dropLast()) + #","prevResult":\#(add.stdout)}"#
    }

    /// The nftables objects of this attachment: its masquerade rule, its spoof-check chains and rules.
    static func attachmentObjects(_ host: FakeNamespaceState) -> [String] {
        host.nftables.filter {
            $0.hasPrefix("rule inet cni_plugins_masquerade masq_checks") || $0.contains("cni-br-iface-ctr1-eth0")
                || $0.contains("macspoofchk-ctr1-eth0")
        }
    }

    @Test func addPutsTheContainerOnTheBridgeAndDeleteTakesItAway() throws {
        let machine = FakeHost()
        let pod = machine.addContainer("pod1")
        let add = machine.run(Self.plugin(machine), "ADD", config: Self.config(), in: pod)
        let result = try #require(add.result, "\(add.stdout)")

        let host = machine.kernel.state(machine.host)
        let container = machine.kernel.state(pod)
        let bridge = try #require(host.link("cni0"))
        let veth = try #require(host.links.first { $0.kind == .veth })
        let eth0 = try #require(container.link("eth0"))
        #expect(result.interfaces == [
            .init(name: "cni0", mac: bridge.mac?.description),
            .init(name: veth.name, mac: veth.mac?.description),
            .init(name: "eth0", mac: eth0.mac?.description, sandbox: pod.path),
        ])
        #expect(result.ips == [.init(interface: 2, address: IPNetwork("10.22.0.5/24")!, gateway: IPAddress("10.22.0.1"))])
        #expect(result.dns.nameservers == ["10.22.0.53"])

        // The bridge, up, with the gateway address; the host end a port of it, up; the peers.
        #expect(bridge.kind == .bridge && bridge.isUp)
        #expect(host.addresses.contains { $0.index == bridge.index && $0.network == IPNetwork("10.22.0.1/24")! })
        #expect(veth.masterIndex == bridge.index && veth.isOperationallyUp && veth.bridgePort?.hairpin == false)
        #expect(veth.linkIndex == eth0.index && eth0.linkIndex == veth.index)
        #expect(host.sysctls["net/ipv4/ip_forward"] == "1")
        #expect(host.sysctls["net/ipv6/conf/\(veth.name)/accept_ra"] == "0")
        // The container end: up, addressed, told to announce itself and not to wait for DAD.
        #expect(eth0.isUp && container.addresses.map(\.network) == [IPNetwork("10.22.0.5/24")!])
        #expect(container.sysctls["net/ipv4/conf/eth0/arp_notify"] == "1")
        #expect(container.sysctls["net/ipv6/conf/eth0/accept_dad"] == "0")
        // Masquerade and spoof check, in the reference's layout.
        #expect(host.nftables.contains("chain inet cni_plugins_masquerade masq_checks"))
        #expect(host.nftables.filter { $0.hasPrefix("rule inet cni_plugins_masquerade masq_checks") }.count == 1)
        #expect(host.nftables.filter { $0.hasSuffix("\"macspoofchk-ctr1-eth0\"") }.count == 4)
        #expect(machine.ipam.leases == ["ctr1/eth0"])

        let check = machine.run(Self.plugin(machine), "CHECK", config: Self.chained(Self.config(), add), in: pod)
        #expect(check.status == 0, "\(check.stdout)")

        let del = machine.run(Self.plugin(machine), "DEL", config: Self.chained(Self.config(), add), in: pod)
        #expect(del.status == 0, "\(del.stdout)")
        let after = machine.kernel.state(machine.host)
        #expect(after.linkNames == ["cni0"])  // the shared bridge stays, as in the reference
        #expect(machine.kernel.state(pod).linkNames == [])
        #expect(Self.attachmentObjects(after) == [])
        #expect(machine.ipam.leases.isEmpty && machine.ipam.verbs == ["ADD", "CHECK", "DEL"])

        // Again, and with the namespace gone: nothing left is success.
        #expect(machine.run(Self.plugin(machine), "DEL", config: Self.chained(Self.config(), add), in: pod).status == 0)
        machine.kernel.removeNamespace(pod)
        #expect(machine.run(Self.plugin(machine), "DEL", config: Self.config(), in: pod).status == 0)
    }

    @Test func anADDFailingAtAnyStepLeavesOnlyTheSharedBridge() throws {
        let outcome = FakeHost.failingEachStep(of: "ADD", config: Self.config(), plugin: Self.plugin) { step, machine, pod, add in
            if add.status == 0 {
                // A best-effort step (a sysctl the reference also only tries): DEL must still clean up.
                #expect(machine.run(Self.plugin(machine), "DEL", config: Self.chained(Self.config(), add), in: pod).status == 0)
            } else {
                #expect(add.error != nil, "\(step): \(add.stdout)")
            }
            let host = machine.kernel.state(machine.host)
            #expect(host.links.allSatisfy { $0.kind != .veth }, "\(step): \(host.linkNames)")
            #expect(machine.kernel.state(pod).linkNames.isEmpty, "\(step)")
            #expect(Self.attachmentObjects(host) == [], "\(step)")
            #expect(machine.ipam.leases.isEmpty, "\(step): IPAM \(machine.ipam.verbs)")
        }
        #expect(outcome.steps.count > 40 && outcome.failed > outcome.steps.count / 2)
        #expect(outcome.leases == [])
    }

    /// With `ipMasqBackend: iptables`, ADD and DEL are each one iptables-restore transaction with
    /// the reference's chain and rules (the table read first, as iptables-legacy's cannot be
    /// looked into otherwise).
    @Test func theIPTablesBackendIsOneRestorePerOperation() throws {
        let machine = FakeHost(iptables: true)
        let pod = machine.addContainer("pod1")
        let config = Self.config(backend: "iptables")
        let add = machine.run(Self.plugin(machine), "ADD", config: config, in: pod)
        #expect(add.status == 0, "\(add.stdout)")
        #expect(machine.programs.runs.map(\.name) == ["iptables-save", "iptables-restore"])
        let script = try #require(machine.programs.runs.last?.stdin)
        #expect(script.hasPrefix("*nat\n:CNI-") && script.hasSuffix("COMMIT\n"))
        #expect(script.contains("-A POSTROUTING -s 10.22.0.5/32 -m comment --comment \"name: \\\"fakenet\\\" id: \\\"ctr1\\\"\" -j CNI-"))
        #expect(Self.attachmentObjects(machine.kernel.state(machine.host)).allSatisfy { !$0.contains("masq_checks") })

        let del = machine.run(Self.plugin(machine), "DEL", config: Self.chained(config, add), in: pod)
        #expect(del.status == 0, "\(del.stdout)")
        #expect(machine.programs.runs.map(\.name) == ["iptables-save", "iptables-restore", "iptables-restore"])
        #expect(machine.programs.runs.last?.stdin.contains("-D POSTROUTING -s 10.22.0.5/32") == true)
    }
}
