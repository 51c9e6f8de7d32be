import CNI
import CNITestSupport
import Foundation
import NetAddress
import Netlink
import Testing

@testable import Tuning

/// tuning's verbs in-process against the fake kernel (no root), as the first of the meta plugins
/// built on the host resources: ADD changes the interface and a sysctl in the container and saves
/// what it replaced, CHECK finds them, DEL puts the interface back; an ADD failing at each of its
/// steps leaves the interface and the sysctl as they were.
@Suite struct TuningFlowTests {
    /// Where the replaced values are saved: a directory of this test's own.
    let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("tuning-flow-\(UUID().uuidString)").path

    func config(_ pod: FakeNamespace) -> String {
        #"{"cniVersion":"1.1.0","name":"tuned","type":"tuning","mtu":1400,"mac":"c2:11:22:33:44:55","promisc":true,"#
            + #""allmulti":true,"txQLen":2000,"sysctl":{"net.ipv4.conf.IFNAME.arp_filter":"1"},"dataDir":"\#(dataDir)","#
            + #""prevResult":{"cniVersion":"1.1.0","interfaces":[{"name":"eth0","sandbox":"\#(pod.path)"}],"#
            + #""ips":[{"address":"10.22.0.5/24","interface":0}]}}"#
    }

    func plugin(_ machine: FakeHost) -> TuningPlugin {
        TuningPlugin(allowlistPath: dataDir + "/no-allowlist.conf", resources: machine.resources)
    }

    /// The container's `eth0`, as an interface plugin earlier in the chain left it.
    static func addInterface(_ machine: FakeHost, _ pod: FakeNamespace) {
        try! machine.kernel.stack(pod).netlink.addLink(LinkSpec(name: "eth0", type: .dummy, mtu: 1500, up: true))
    }

    /// A machine whose container `pod1` has its `eth0`, and what tuning changes on it there.
    static func untouchedMachine() -> (FakeHost, FakeNamespace, before: [String]) {
        let machine = FakeHost()
        let pod = machine.addContainer("pod1")
        addInterface(machine, pod)
        return (machine, pod, tuned(machine, pod))
    }

    /// What tuning changes on the interface, and the sysctl.
    static func tuned(_ machine: FakeHost, _ pod: FakeNamespace) -> [String] {
        let state = machine.kernel.state(pod)
        guard let eth0 = state.link("eth0") else { return ["no eth0"] }
        return [
            "mtu \(eth0.mtu)", "mac \(eth0.mac?.description ?? "-")", "promisc \(eth0.isPromiscuous)",
            "allmulti \(eth0.isAllMulticast)", "txqlen \(eth0.txQueueLength ?? 0)",
            "arp_filter \(state.sysctls["net/ipv4/conf/eth0/arp_filter"] ?? "0")",
        ]
    }

    @Test func addTunesTheInterfaceAndDeletePutsItBack() throws {
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let (machine, pod, before) = Self.untouchedMachine()

        let add = machine.run(plugin(machine), "ADD", config: config(pod), in: pod)
        let result = try #require(add.result, "\(add.stdout)")
        #expect(result.interfaces == [.init(name: "eth0", mac: "c2:11:22:33:44:55", sandbox: pod.path)])
        #expect(Self.tuned(machine, pod) == [
            "mtu 1400", "mac c2:11:22:33:44:55", "promisc true", "allmulti true", "txqlen 2000", "arp_filter 1",
        ])
        #expect(FileManager.default.fileExists(atPath: dataDir + "/ctr1_eth0.json"))
        #expect(machine.run(plugin(machine), "CHECK", config: config(pod), in: pod).status == 0)

        // CHECK notices an interface changed behind tuning's back.
        let stack = machine.kernel.stack(pod)
        try stack.netlink.setLink(try #require(try stack.netlink.link(named: "eth0")), LinkChanges(mtu: 1300))
        #expect(machine.run(plugin(machine), "CHECK", config: config(pod), in: pod).error?.code == .internal)

        #expect(machine.run(plugin(machine), "DEL", config: config(pod), in: pod).status == 0)
        // The interface's own values are back; sysctls die with the namespace and stay.
        #expect(Self.tuned(machine, pod).dropLast() == before.dropLast())
        #expect(!FileManager.default.fileExists(atPath: dataDir + "/ctr1_eth0.json"))
        machine.kernel.removeNamespace(pod)
        #expect(machine.run(plugin(machine), "DEL", config: config(pod), in: pod).status == 0)
    }

    @Test func anAddFailingAtEachStepLeavesTheInterfaceAsItWas() throws {
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let (_, untouchedPod, before) = Self.untouchedMachine()
        // Each run starts without saved values (the first, fault-free run keeps its own).
        let prepare = { (machine: FakeHost, pod: FakeNamespace) in
            try? FileManager.default.removeItem(atPath: dataDir + "/ctr1_eth0.json")
            Self.addInterface(machine, pod)
        }
        let outcome = FakeHost.failingEachStep(of: "ADD", config: config(untouchedPod), prepare: prepare, plugin: plugin) {
            step, machine, pod, add in
            if add.status == 0 {
                #expect(machine.run(plugin(machine), "DEL", config: config(pod), in: pod).status == 0, "\(step)")
                #expect(Self.tuned(machine, pod).dropLast() == before.dropLast(), "\(step)")
            } else {
                #expect(add.error != nil, "\(step): \(add.stdout)")
                #expect(Self.tuned(machine, pod) == before, "\(step)")
            }
            #expect(!FileManager.default.fileExists(atPath: dataDir + "/ctr1_eth0.json"), "\(step)")
        }
        #expect(outcome.steps.count >= 4 && outcome.failed >= 3, "\(outcome.steps)")
    }
}
