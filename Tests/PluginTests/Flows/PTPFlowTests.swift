import CNI
import CNITestSupport
import NetAddress
import Netlink
import Testing

@testable import PTP

/// ptp's verbs in-process against the fake kernel (no root): what ADD leaves on both ends of the
/// veth, in the firewall and in IPAM, read back against the result it prints; DEL taking all of it
/// away; an ADD failing at each of its steps (or on a bad IPAM answer) leaving nothing and giving
/// the lease back.
@Suite struct PTPFlowTests {
    static let dualStack =
        #"{"cniVersion":"1.1.0","ips":[{"address":"10.22.0.5/24","gateway":"10.22.0.1"},{"address":"fd00:22::5/64","gateway":"fd00:22::1"}],"dns":{"nameservers":["10.22.0.53"]}}"#

    static func config(_ extra: String = "", ipamType: String = "fake-ipam") -> String {
        #"{"cniVersion":"1.1.0","name":"fakenet","type":"ptp","ipMasq":true,"ipMasqBackend":"nftables","ipam":{"type":"\#(ipamType)"}\#(extra)}"#
    }

    static func plugin(_ machine: FakeHost) -> PTPPlugin {
        PTPPlugin(resources: machine.resources, firewall: machine.firewall)
    }

    static func chained(_ config: String, _ add: PluginRun) -> String {
        String(config.dropLast()) + #","prevResult":\#(add.stdout)}"#
    }

    /// This attachment's masquerade rules.
    static func masqueradeRules(_ host: FakeNamespaceState, id: String = "ctr1") -> [String] {
        host.nftables.filter { $0.hasPrefix("rule inet cni_plugins_masquerade masq_checks") && $0.contains("id: \(id)\"") }
    }

    @Test func addRoutesTheContainerThroughTheHostEndAndDeleteTakesItAway() throws {
        let machine = FakeHost(ipamResult: Self.dualStack)
        let pod = machine.addContainer("pod1")
        let add = machine.run(Self.plugin(machine), "ADD", config: Self.config(), in: pod)
        let result = try #require(add.result, "\(add.stdout)")

        let host = machine.kernel.state(machine.host)
        let container = machine.kernel.state(pod)
        let veth = try #require(host.links.first { $0.kind == .veth })
        let eth0 = try #require(container.link("eth0"))
        #expect(result.interfaces == [
            .init(name: veth.name, mac: veth.mac?.description), .init(name: "eth0", mac: eth0.mac?.description, sandbox: pod.path),
        ])
        #expect(result.ips.map(\.interface) == [1, 1])
        #expect(result.ips.map(\.address) == [IPNetwork("10.22.0.5/24")!, IPNetwork("fd00:22::5/64")!])
        #expect(result.dns.nameservers == ["10.22.0.53"])

        // Host end: the gateways as host prefixes, a host route to each container address.
        #expect(veth.isOperationallyUp && veth.linkIndex == eth0.index && eth0.linkIndex == veth.index)
        #expect(Set(host.addresses.filter { $0.index == veth.index }.map(\.network)) == [IPNetwork("10.22.0.1/32")!, IPNetwork("fd00:22::1/128")!])
        #expect(Set(host.routes.filter { $0.outputInterface == veth.index }.map(\.destination)) == [
            IPNetwork("10.22.0.5/32")!, IPNetwork("fd00:22::5/128")!,
        ])
        #expect(host.sysctls["net/ipv4/ip_forward"] == "1" && host.sysctls["net/ipv6/conf/all/forwarding"] == "1")
        #expect(host.sysctls["net/ipv6/conf/\(veth.name)/accept_dad"] == "0")
        // Container end: everything, its own subnet included, through the gateway.
        #expect(container.sysctls["net/ipv6/conf/eth0/accept_dad"] == "0")
        let routes = container.routes.filter { $0.family == .v4 }
        #expect(routes.count == 2)
        #expect(routes.contains { $0.destination == IPNetwork("10.22.0.1/32")! && $0.gateway == nil && $0.scope == .link })
        #expect(routes.contains { $0.destination == IPNetwork("10.22.0.0/24")! && $0.gateway == IPAddress("10.22.0.1") })
        #expect(container.routes.contains { $0.destination == IPNetwork("fd00:22::/64")! && $0.gateway == IPAddress("fd00:22::1") })
        #expect(Self.masqueradeRules(host).count == 2)

        let check = machine.run(Self.plugin(machine), "CHECK", config: Self.chained(Self.config(), add), in: pod)
        #expect(check.status == 0, "\(check.stdout)")

        let del = machine.run(Self.plugin(machine), "DEL", config: Self.chained(Self.config(), add), in: pod)
        #expect(del.status == 0, "\(del.stdout)")
        let after = machine.kernel.state(machine.host)
        #expect(after.linkNames == [] && after.routes.isEmpty)
        #expect(machine.kernel.state(pod).linkNames == [])
        #expect(Self.masqueradeRules(after) == [])
        #expect(machine.ipam.leases.isEmpty && machine.ipam.verbs == ["ADD", "CHECK", "DEL"])
        #expect(machine.run(Self.plugin(machine), "DEL", config: Self.chained(Self.config(), add), in: pod).status == 0)
    }

    /// With the namespace file already gone, DEL removes the host veth `prevResult` names (it
    /// outlives the file while anything holds the namespace) and the rules, and releases the address.
    @Test func deleteWithoutTheNamespaceRemovesTheHostEnd() throws {
        let machine = FakeHost()
        let pod = machine.addContainer("pod1")
        let add = machine.run(Self.plugin(machine), "ADD", config: Self.config(), in: pod)
        #expect(add.status == 0)
        machine.kernel.unmount(pod)
        let del = machine.run(Self.plugin(machine), "DEL", config: Self.chained(Self.config(), add), in: pod)
        #expect(del.status == 0, "\(del.stdout)")
        #expect(machine.kernel.state(machine.host).linkNames == [])
        #expect(Self.masqueradeRules(machine.kernel.state(machine.host)) == [])
        #expect(machine.ipam.leases.isEmpty)
    }

    @Test func anADDFailingAtAnyStepLeavesNothingAndGivesTheLeaseBack() throws {
        let outcome = FakeHost.failingEachStep(
            of: "ADD", config: Self.config(), machine: { FakeHost(ipamResult: Self.dualStack) }, plugin: Self.plugin
        ) { step, machine, pod, add in
            if add.status == 0 {
                #expect(machine.run(Self.plugin(machine), "DEL", config: Self.chained(Self.config(), add), in: pod).status == 0)
            } else {
                #expect(add.error != nil, "\(step): \(add.stdout)")
            }
            let host = machine.kernel.state(machine.host)
            #expect(host.linkNames.isEmpty && host.addresses.isEmpty && host.routes.isEmpty, "\(step): \(host.linkNames)")
            #expect(machine.kernel.state(pod).linkNames.isEmpty, "\(step)")
            #expect(Self.masqueradeRules(host) == [], "\(step)")
            #expect(machine.ipam.leases.isEmpty, "\(step): IPAM \(machine.ipam.verbs)")
        }
        #expect(outcome.steps.count > 30 && outcome.failed > outcome.steps.count / 2)
        #expect(outcome.leases == [])
    }

    @Test(arguments: [
        (#"{"cniVersion":"1.0.0","ips":[]}"#, CNIError(.internal, "IPAM plugin returned missing IP config")),
        (#"{"cniVersion":"1.0.0","ips":[{"address":"10.22.0.5/24"}]}"#,
         CNIError(.invalidNetworkConfig, "IPAM returned 10.22.0.5/24 without a gateway; ptp routes every address through one")),
    ])
    func anIPAMAnswerPTPCannotRouteGivesTheLeaseBack(ipamResult: String, error: CNIError) throws {
        let machine = FakeHost(ipamResult: ipamResult)
        let pod = machine.addContainer("pod1")
        let add = machine.run(Self.plugin(machine), "ADD", config: Self.config(), in: pod)
        #expect(add.error == error)
        #expect(machine.ipam.verbs == ["ADD", "DEL"])  // the reference leaks this lease
        #expect(machine.kernel.state(machine.host).linkNames == [] && machine.kernel.state(pod).linkNames == [])
    }

    @Test func aTakenInterfaceNameIsRefusedBeforeIPAMRuns() throws {
        let machine = FakeHost()
        let pod = machine.addContainer("pod1")
        try machine.kernel.stack(pod).netlink.addBridge(BridgeSpec(name: "eth0"))
        let add = machine.run(Self.plugin(machine), "ADD", config: Self.config(), in: pod)
        #expect(add.error?.msg.contains("already exists") == true)
        #expect(machine.ipam.verbs == [])
        #expect(machine.kernel.state(machine.host).linkNames == [] && machine.kernel.state(pod).linkNames == ["eth0"])
    }

    @Test func noIPAMTypeRunsNothing() throws {
        let machine = FakeHost()
        let pod = machine.addContainer("pod1")
        let add = machine.run(Self.plugin(machine), "ADD", config: Self.config(ipamType: ""), in: pod)
        #expect(add.error?.code == .invalidNetworkConfig)
        #expect(machine.ipam.verbs == [] && machine.kernel.state(pod).linkNames == [])
    }

    @Test func dnsFromIPAMUnlessTheConfigSetsIt() throws {
        let machine = FakeHost()
        let fromIPAM = machine.run(Self.plugin(machine), "ADD", config: Self.config(), in: machine.addContainer("pod1"))
        #expect(fromIPAM.result?.dns.nameservers == ["10.22.0.53"])
        let configured = machine.run(
            Self.plugin(machine), "ADD", config: Self.config(#","dns":{"search":["x.test"]}"#), in: machine.addContainer("pod2"),
            containerID: "ctr2")
        #expect(configured.result?.dns == DNS(search: ["x.test"]))
    }

    /// DEL keeps going past a failing step and reports it, with its code.
    @Test func deleteIsBestEffort() throws {
        let machine = FakeHost()
        let pod = machine.addContainer("pod1")
        let add = machine.run(Self.plugin(machine), "ADD", config: Self.config(), in: pod)
        machine.ipam.fail("DEL", with: CNIError(.tryAgainLater, "store busy"))
        let del = machine.run(Self.plugin(machine), "DEL", config: Self.chained(Self.config(), add), in: pod)
        #expect(del.error?.code == .tryAgainLater)
        #expect(del.error?.msg.contains("store busy") == true)
        #expect(Self.masqueradeRules(machine.kernel.state(machine.host)) == [])
        #expect(machine.kernel.state(machine.host).linkNames == [] && machine.kernel.state(pod).linkNames == [])
    }

    @Test func gcRemovesTheRulesOfStaleAttachmentsAndStatusAsksIPAM() throws {
        let machine = FakeHost()
        for (i, name) in ["pod1", "pod2"].enumerated() {
            _ = machine.run(Self.plugin(machine), "ADD", config: Self.config(), in: machine.addContainer(name), containerID: "ctr\(i + 1)")
        }
        let valid = #","cni.dev/valid-attachments":[{"containerID":"ctr1","ifname":"eth0"}]"#
        #expect(machine.run(Self.plugin(machine), "GC", config: Self.config(valid), in: nil).status == 0)
        let host = machine.kernel.state(machine.host)
        #expect(Self.masqueradeRules(host, id: "ctr1").count == 1 && Self.masqueradeRules(host, id: "ctr2") == [])
        // Without a list, no rule is known to be stale.
        #expect(machine.run(Self.plugin(machine), "GC", config: Self.config(), in: nil).status == 0)
        #expect(Self.masqueradeRules(machine.kernel.state(machine.host), id: "ctr1").count == 1)
        #expect(machine.ipam.verbs.filter { $0 == "GC" }.count == 2)

        machine.ipam.fail("STATUS", with: CNIError(.pluginNotAvailable, "full"))
        #expect(machine.run(Self.plugin(machine), "STATUS", config: Self.config(), in: nil).error == CNIError(.pluginNotAvailable, "full"))
    }
}
