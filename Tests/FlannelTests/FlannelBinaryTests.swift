import CNITestSupport
import Foundation
import Testing

/// The flannel binary with a recording fake delegate (Tests/Fixtures/libcni/fake-plugin.sh
/// installed as `bridge`): what it stores, what the delegate receives, and every verb.
@Suite struct FlannelBinaryTests {
    final class Node: @unchecked Sendable {
        let root = NSTemporaryDirectory() + "flannel-test-\(UUID().uuidString)"
        var bin: String { root + "/bin" }
        var log: String { root + "/log" }
        var dataDir: String { root + "/data" }
        var subnetFile: String { root + "/subnet.env" }

        init() throws {
            for dir in [bin, log] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            for type in ["bridge", "ipvlan"] {
                try FileManager.default.copyItem(atPath: Binaries.packageRoot + "/Tests/Fixtures/libcni/fake-plugin.sh", toPath: bin + "/" + type)
                try write(bin + "/\(type).result", #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"interface":0,"address":"10.1.17.2/24","gateway":"10.1.17.1"}],"dns":{}}"#)
            }
            try subnet("FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_SUBNET=10.1.17.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n")
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        func write(_ path: String, _ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        func subnet(_ text: String) throws { try write(subnetFile, text) }

        func config(_ extra: String = "", version: String = "1.0.0") -> String {
            #"{"cniVersion":"\#(version)","name":"pods","type":"flannel","subnetFile":"\#(subnetFile)","dataDir":"\#(dataDir)"\#(extra)}"#
        }

        @discardableResult
        func run(_ command: String, _ config: String, containerID: String = "ctr1", args: String? = nil) throws -> CommandOutput {
            try PluginRunner(binary: Binaries.path("flannel"), cniPath: bin).run(
                command, config: config, netns: "/var/run/netns/flannel-test-none", containerID: containerID, args: args,
                extra: ["FAKE_LOG": log])
        }

        /// The delegate calls so far: (type, command, stdin, CNI_* variables).
        var calls: [(type: String, command: String, stdin: String, env: String)] {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: log)) ?? []).filter { $0.hasSuffix(".stdin") }.sorted()
            return names.map { name in
                let base = String(name.dropLast(6))
                let parts = base.split(separator: "-")
                return (String(parts[1]), String(parts[2]), (try? String(contentsOfFile: log + "/" + name, encoding: .utf8)) ?? "",
                        (try? String(contentsOfFile: log + "/" + base + ".env", encoding: .utf8)) ?? "")
            }
        }

        func stored(_ id: String = "ctr1") -> String? { try? String(contentsOfFile: dataDir + "/" + id, encoding: .utf8) }
    }

    static let expected = #"{"cniVersion":"1.0.0","ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.1.17.0/24"}]],"routes":[{"dst":"10.1.0.0/16"}],"type":"host-local"},"isGateway":true,"mtu":1472,"name":"pods","type":"bridge"}"#

    @Test func addStoresTheDelegateConfigAndDeleteUsesIt() throws {
        let node = try Node()
        let add = try node.run("ADD", node.config(), args: "IgnoreUnknown=1;K8S_POD_NAME=web")
        #expect(add.succeeded, "\(add.stdout)\(add.stderr)")
        #expect((jsonObject(add.stdout)?["ips"] as? [[String: Any]])?.first?["address"] as? String == "10.1.17.2/24")
        #expect(node.stored() == Self.expected)
        let attrs = try FileManager.default.attributesOfItem(atPath: node.dataDir + "/ctr1")
        #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let call = try #require(node.calls.first)
        #expect(call.type == "bridge" && call.command == "ADD" && call.stdin == Self.expected)
        #expect(call.env.contains("CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=web") && call.env.contains("CNI_CONTAINERID=ctr1"))

        // The node's lease changes: DEL still hands the delegate what ADD gave it.
        try node.subnet("FLANNEL_NETWORK=10.9.0.0/16\nFLANNEL_SUBNET=10.9.3.1/24\nFLANNEL_MTU=1400\nFLANNEL_IPMASQ=false\n")
        #expect(try node.run("DEL", node.config()).succeeded)
        #expect(node.calls.last?.command == "DEL" && node.calls.last?.stdin == Self.expected)
        #expect(node.stored() == nil)
        // A second DEL (nothing stored) succeeds without running the delegate; so does one
        // without a subnet file.
        try FileManager.default.removeItem(atPath: node.subnetFile)
        #expect(try node.run("DEL", node.config()).succeeded)
        #expect(node.calls.count == 2)
    }

    @Test func failedDelegateAddIsUndone() throws {
        let node = try Node()
        try node.write(node.bin + "/bridge.fail-ADD", #"{"code":11,"msg":"bridge busy"}"#)
        let add = try node.run("ADD", node.config())
        #expect(jsonObject(add.stdout)?["code"] as? Int == 11)
        #expect(jsonObject(add.stdout)?["msg"] as? String == "failed to delegate add: bridge busy")
        #expect(node.calls.map(\.command) == ["ADD", "DEL"])
        #expect(node.stored() == nil)
        // If the undo fails too, the stored copy stays for the runtime's DEL.
        try node.write(node.bin + "/bridge.fail-DEL", #"{"code":999,"msg":"no"}"#)
        #expect(try !node.run("ADD", node.config(), containerID: "ctr2").succeeded)
        #expect(node.stored("ctr2") == Self.expected)
    }

    @Test func subnetFileProblemsAreReported() throws {
        let node = try Node()
        try FileManager.default.removeItem(atPath: node.subnetFile)
        let missing = try node.run("ADD", node.config())
        #expect(jsonObject(missing.stdout)?["code"] as? Int == 11)
        #expect(jsonObject(missing.stdout)?["msg"] as? String == "loadFlannelSubnetEnv failed: open \(node.subnetFile): no such file or directory")
        try node.subnet("FLANNEL_NETWORK=10.1.0.0/16\n")
        let partial = try node.run("ADD", node.config())
        #expect((jsonObject(partial.stdout)?["msg"] as? String)?.hasSuffix("is missing FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ") == true)
        try node.subnet("FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_SUBNET=10.1.17.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n")
        let bad = try node.run("ADD", node.config(#","delegate":{"name":"x"}"#))
        #expect(jsonObject(bad.stdout)?["code"] as? Int == 7)
        #expect(node.calls.isEmpty && node.stored() == nil)
    }

    @Test func otherDelegatesAndTheirOptions() throws {
        let node = try Node()
        let add = try node.run("ADD", node.config(#","delegate":{"type":"ipvlan","master":"eth1"},"runtimeConfig":{"ips":["10.1.17.9/24"]}"#, version: "0.4.0"))
        #expect(add.succeeded, "\(add.stdout)")
        #expect(jsonObject(add.stdout)?["cniVersion"] as? String == "0.4.0")
        #expect(node.calls.first?.type == "ipvlan")
        #expect(node.stored() == #"{"cniVersion":"0.4.0","ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.1.17.0/24"}]],"routes":[{"dst":"10.1.0.0/16"}],"type":"host-local"},"master":"eth1","mtu":1472,"name":"pods","runtimeConfig":{"ips":["10.1.17.9/24"]},"type":"ipvlan"}"#)
        #expect(try node.run("DEL", node.config()).succeeded)
        #expect(node.calls.last?.type == "ipvlan")
    }

    @Test func checkRunsTheDelegateWithItsStoredConfigAndPrevResult() throws {
        let node = try Node()
        #expect(try node.run("ADD", node.config()).succeeded)
        let prev = #","prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.1.17.2/24"}]}"#
        #expect(try node.run("CHECK", node.config(prev)).succeeded)
        let check = try #require(node.calls.last)
        #expect(check.command == "CHECK")
        #expect(jsonObject(check.stdin)?["prevResult"] != nil && jsonObject(check.stdin)?["mtu"] as? Int == 1472)
        let unknown = try node.run("CHECK", node.config(prev), containerID: "nope")
        #expect(!unknown.succeeded)
    }

    @Test func gcRemovesStaleConfigsOfThisNetworkAndRunsTheDelegate() throws {
        let node = try Node()
        for id in ["a1", "a2", "a3"] { #expect(try node.run("ADD", node.config(), containerID: id).succeeded) }
        try node.write(node.dataDir + "/other", #"{"name":"othernet","type":"bridge"}"#)
        let gc = try node.run("GC", node.config(#","cni.dev/valid-attachments":[{"containerID":"a2","ifname":"eth0"}]"#, version: "1.1.0"))
        #expect(gc.succeeded, "\(gc.stdout)")
        #expect(node.stored("a1") == nil && node.stored("a3") == nil && node.stored("a2") != nil && node.stored("other") != nil)
        let call = try #require(node.calls.last)
        #expect(call.command == "GC" && call.stdin.contains(#""cni.dev/valid-attachments":[{"containerID":"a2","ifname":"eth0"}]"#))
    }

    /// The teardown rule: options that no longer read stop neither DEL (the stored config is
    /// delegated) nor GC (stale stored configs go; the delegate, which the config no longer
    /// describes, is left out).
    @Test func deleteAndGCWithOptionsThatNoLongerRead() throws {
        let node = try Node()
        for id in ["a1", "a2"] { #expect(try node.run("ADD", node.config(), containerID: id).succeeded) }
        let broken = #","subnetFile":7,"delegate":5,"ipam":"x","runtimeConfig":[]"#
        #expect(try !node.run("ADD", node.config(broken), containerID: "a3").succeeded)
        let del = try node.run("DEL", node.config(broken), containerID: "a1")
        #expect(del.succeeded, "\(del.stdout)")
        #expect(node.calls.last?.command == "DEL" && node.calls.last?.stdin == Self.expected && node.stored("a1") == nil)
        let calls = node.calls.count
        let gc = try node.run("GC", node.config(broken + #","cni.dev/valid-attachments":[]"#, version: "1.1.0"))
        #expect(gc.succeeded, "\(gc.stdout)")
        #expect(node.stored("a2") == nil && node.calls.count == calls)
    }

    @Test func statusNeedsTheSubnetFileThenAsksTheDelegate() throws {
        let node = try Node()
        #expect(try node.run("STATUS", node.config(version: "1.1.0")).succeeded)
        #expect(node.calls.last?.command == "STATUS")
        try FileManager.default.removeItem(atPath: node.subnetFile)
        let down = try node.run("STATUS", node.config(version: "1.1.0"))
        #expect(jsonObject(down.stdout)?["code"] as? Int == 50)
    }
}
