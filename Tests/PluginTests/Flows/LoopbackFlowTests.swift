import CNI
import CNITestSupport
import Loopback
import NetAddress
import Netlink
import Testing

/// loopback's verbs in-process against the fake kernel.
@Suite struct LoopbackFlowTests {
    static let config = #"{"cniVersion":"1.1.0","name":"lo","type":"loopback"}"#

    @Test func addBringsLoUpAndDeleteDown() throws {
        let machine = FakeHost()
        let pod = machine.addContainer("pod1")
        let plugin = LoopbackPlugin(resources: machine.resources)
        try machine.kernel.stack(pod).netlink.addAddress(Address(IPNetwork("127.0.0.1/8")!, index: 1))
        let add = machine.run(plugin, "ADD", config: Self.config, in: pod)
        let result = try #require(add.result, "\(add.stdout)")
        #expect(result.interfaces == [.init(name: "lo", mac: "00:00:00:00:00:00", sandbox: pod.path)])
        #expect(result.ips.map(\.address) == [IPNetwork("127.0.0.1/8")!])
        #expect(machine.kernel.state(pod).link("lo")?.isUp == true)
        #expect(machine.run(plugin, "DEL", config: Self.config, in: pod).status == 0)
        #expect(machine.kernel.state(pod).link("lo")?.isUp == false)
        machine.kernel.removeNamespace(pod)
        #expect(machine.run(plugin, "DEL", config: Self.config, in: pod).status == 0)
        #expect(machine.run(plugin, "ADD", config: Self.config, in: pod).error?.code == .invalidEnvironmentVariables)
    }
}
