import CNI
import CNITestSupport
import NetAddress
import Testing

@testable import PortMap

/// portmap's verbs in-process against the fake kernel: the nftables rules ADD writes and DEL
/// removes, the UDP flows flushed over ctnetlink, and an ADD failing at each step leaving no rule.
@Suite struct PortMapFlowTests {
    static let config = #"{"cniVersion":"1.1.0","name":"fakenet","type":"portmap","backend":"nftables","snat":true,"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5353,"containerPort":53,"protocol":"udp"}]},"prevResult":{"cniVersion":"1.1.0","interfaces":[{"name":"eth0","sandbox":"/fake/netns/pod1"}],"ips":[{"interface":0,"address":"10.22.0.5/24"}]}}"#

    static func plugin(_ machine: FakeHost) -> PortMapPlugin {
        PortMapPlugin(resources: machine.resources, firewall: machine.firewall)
    }

    /// This attachment's rules (tagged with its container ID) and anchor chain.
    static func attachmentObjects(_ host: FakeNamespaceState) -> [String] {
        host.nftables.filter { $0.hasSuffix("id: ctr1\"") || $0.contains("cni_hostport attachment-") }
    }

    @Test func addPublishesThePortsAndDeleteWithdrawsThem() throws {
        let machine = FakeHost()
        let pod = machine.addContainer("pod1")
        let add = machine.run(Self.plugin(machine), "ADD", config: Self.config, in: pod)
        #expect(add.status == 0, "\(add.stdout)")
        let host = machine.kernel.state(machine.host)
        #expect(host.nftables.contains("table ip cni_hostport"))
        #expect(Self.attachmentObjects(host).count == 5)  // anchor, 2 DNAT, 2 masquerade
        #expect(!host.conntrackRequests.isEmpty)  // the UDP host port's stale flows, flushed

        #expect(machine.run(Self.plugin(machine), "CHECK", config: Self.config, in: pod).status == 0)
        let del = machine.run(Self.plugin(machine), "DEL", config: Self.config, in: pod)
        #expect(del.status == 0, "\(del.stdout)")
        #expect(Self.attachmentObjects(machine.kernel.state(machine.host)) == [])
    }

    @Test func anADDFailingAtAnyStepLeavesNoRule() throws {
        let outcome = FakeHost.failingEachStep(of: "ADD", config: Self.config, plugin: Self.plugin) { step, machine, _, add in
            #expect(add.status == 0 || add.error != nil, "\(step): \(add.stdout)")
            if add.status != 0 {
                #expect(Self.attachmentObjects(machine.kernel.state(machine.host)) == [], "\(step)")
            }
        }
        #expect(outcome.steps.count > 5 && outcome.failed > 0)
    }
}
