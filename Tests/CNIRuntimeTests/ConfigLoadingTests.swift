import CNI
import CNIRuntime
import CNITestSupport
import Foundation
import Testing

@Suite struct ConfigLoadingTests {
    @Test func conflistsFirstInOrderThenSingleConfs() throws {
        let node = try FakeNode()
        try node.config("20-b.conflist", #"{"cniVersion":"1.0.0","name":"net","plugins":[{"type":"second"}]}"#)
        try node.config("10-a.conflist", #"{"cniVersion":"1.0.0","name":"net","plugins":[{"type":"first"}]}"#)
        try node.config("00-single.conf", #"{"cniVersion":"1.0.0","name":"net","type":"single"}"#)
        try node.config("05-other.json", #"{"cniVersion":"0.4.0","name":"other","type":"ptp","mtu":1400.0}"#)
        let loader = NetworkConfigLoader(directory: node.netconf)
        let net = try loader.load(name: "net")
        #expect(net.list.plugins.map(\.type) == ["first"])
        #expect(net.file == node.netconf + "/10-a.conflist")
        // A single config becomes a one-plugin list, its bytes as Go marshals the map.
        let other = try loader.load(name: "other")
        #expect(other.list.plugins.map(\.type) == ["ptp"])
        #expect(other.list.cniVersion == "0.4.0")
        #expect(String(decoding: other.list.bytes, as: UTF8.self)
            == #"{"cniVersion":"0.4.0","name":"other","plugins":[{"cniVersion":"0.4.0","mtu":1400,"name":"other","type":"ptp"}]}"#)
    }

    @Test func missingNetworkNamesTheDirectory() throws {
        let node = try FakeNode()
        let loader = NetworkConfigLoader(directory: node.netconf)
        let none = #expect(throws: RuntimeError.self) { try loader.load(name: "net") }
        #expect(none?.message == "no net configurations found in \(node.netconf)")
        try node.config("10-a.conflist", #"{"cniVersion":"1.0.0","name":"a","plugins":[{"type":"x"}]}"#)
        let missing = #expect(throws: RuntimeError.self) { try loader.load(name: "net") }
        #expect(missing?.message == #"no net configuration with name "net" in \#(node.netconf)"#)
        let nodir = #expect(throws: RuntimeError.self) { try NetworkConfigLoader(directory: "/nonexistent/net.d").load(name: "net") }
        #expect(nodir?.message == "no net configurations found in /nonexistent/net.d")
    }

    @Test func malformedConfigsNameTheFile() throws {
        let node = try FakeNode()
        let loader = NetworkConfigLoader(directory: node.netconf)
        // A broken list stops the search, even for a network defined in another file (libcni).
        try node.config("10-broken.conflist", #"{"cniVersion":"1.0.0","name":"broken","plugins":[{"type":"x"}"#)
        try node.config("20-good.conflist", #"{"cniVersion":"1.0.0","name":"good","plugins":[{"type":"x"}]}"#)
        let error = #expect(throws: RuntimeError.self) { try loader.load(name: "good") }
        #expect(error?.message.hasPrefix("\(node.netconf)/10-broken.conflist: error parsing configuration list: ") == true)

        let cases: [(String, String)] = [
            (#"{"cniVersion":"1.0.0","plugins":[{"type":"x"}]}"#, "error parsing configuration list: no name"),
            (#"{"name":"n","plugins":[]}"#, "error parsing configuration list: no plugins in list"),
            (#"{"name":"n","plugins":{}}"#, "error parsing configuration list: invalid 'plugins' type map[string]interface {}"),
            (#"{"name":"n","plugins":[{"mtu":1}]}"#, "failed to parse plugin config 0: error parsing configuration: missing 'type'"),
            (#"{"name":"n"}"#, "no plugin configs found"),
        ]
        for (text, message) in cases {
            try node.config("10-broken.conflist", text)
            let error = #expect(throws: RuntimeError.self) { try loader.load(name: "good") }
            #expect(error?.message == "\(node.netconf)/10-broken.conflist: \(message)")
        }
        try FileManager.default.removeItem(atPath: node.netconf + "/10-broken.conflist")
        try FileManager.default.removeItem(atPath: node.netconf + "/20-good.conflist")
        try node.config("10-single.conf", #"{"cniVersion":"1.0.0","name":"n"}"#)
        let single = #expect(throws: RuntimeError.self) { try loader.load(name: "n") }
        #expect(single?.message == "\(node.netconf)/10-single.conf: error parsing configuration: missing 'type'")
    }

    @Test func pluginFragmentsAndLoadOnlyInlinedPlugins() throws {
        let node = try FakeNode()
        let loader = NetworkConfigLoader(directory: node.netconf)
        try node.config("10-net.conflist", #"{"cniVersion":"1.1.0","name":"net","plugins":[{"type":"inline"}]}"#)
        try node.config("net/20-b.conf", #"{"type":"fragb"}"#)
        try node.config("net/10-a.conf", #"{"type":"fraga"}"#)
        try node.config("net/30-c.json", #"{"type":"ignored"}"#)
        #expect(try loader.load(name: "net").list.plugins.map(\.type) == ["inline", "fraga", "fragb"])
        // Fragments alone make a network.
        try node.config("10-net.conflist", #"{"cniVersion":"1.1.0","name":"net"}"#)
        #expect(try loader.load(name: "net").list.plugins.map(\.type) == ["fraga", "fragb"])
        try node.config("10-net.conflist", #"{"cniVersion":"1.1.0","name":"net","loadOnlyInlinedPlugins":true,"plugins":[{"type":"inline"}]}"#)
        #expect(try loader.load(name: "net").list.plugins.map(\.type) == ["inline"])
        try node.config("net/40-bad.conf", #"{"mtu":1}"#)
        try node.config("10-net.conflist", #"{"cniVersion":"1.1.0","name":"net"}"#)
        let error = #expect(throws: RuntimeError.self) { try loader.load(name: "net") }
        #expect(error?.message == "\(node.netconf)/net/40-bad.conf: error parsing configuration: missing 'type'")
    }

    @Test func cnitoolConventions() throws {
        // Upstream cnitool's test vectors.
        #expect(CNIToolConventions.containerID(netnsPath: "/var/run/netns/testing") == "cnitool-77383ca0a0715733ca6f")
        #expect(CNIToolConventions.containerID(netnsPath: "/run/netns/test1") == "cnitool-b17df1990aa962947ffa")
        #expect(CNIToolConventions.netnsPath("cnitest", workingDirectory: "/root") == "/var/run/netns/cnitest")
        #expect(CNIToolConventions.netnsPath("./cnitest", workingDirectory: "/root") == "/root/cnitest")
        #expect(CNIToolConventions.netnsPath("/var/run/netns//a/../b/.", workingDirectory: "/") == "/var/run/netns/b")
        #expect(CNIToolConventions.netnsPath("../x", workingDirectory: "/a/b") == "/a/x")

        #expect(try CNIToolConventions.parseCNIArgs("") == [])
        #expect(try CNIToolConventions.parseCNIArgs("A=1;B=2").map(\.key) == ["A", "B"])
        for bad in ["A=1;", "A", "=1", "A=", "A=1=2"] {
            let error = #expect(throws: RuntimeError.self) { try CNIToolConventions.parseCNIArgs(bad) }
            #expect(error?.message.hasPrefix("invalid CNI_ARGS pair \"") == true, "\(bad)")
        }
        #expect(try CNIToolConventions.parseCapabilityArgs("") == nil)
        #expect(try CNIToolConventions.parseCapabilityArgs("null") == nil)
        #expect(try CNIToolConventions.parseCapabilityArgs(#"{"mac":"x"}"#)?["mac"] == "x")
        for bad in ["{", "[1]", "\"x\""] {
            let error = #expect(throws: RuntimeError.self) { try CNIToolConventions.parseCapabilityArgs(bad) }
            #expect(error?.message.hasPrefix("invalid CAP_ARGS: ") == true)
        }
    }
}
