import CNITestSupport
import Testing

/// bridge's and ptp's shared config rules through the built binaries: an MTU the kernel would
/// wrap (the reference turns 4294968696 into 1400) or ignore (-1) is refused with code 7, and a
/// mistyped option with code 6, before anything is created (the netns named does not even exist).
@Suite struct VethConfigBinaryTests {
    func error(_ plugin: String, _ config: String) throws -> (code: Int, msg: String)? {
        let out = try PluginRunner(binary: Binaries.path(plugin)).run("ADD", config: config, netns: "/var/run/netns/veth-config-test-none")
        guard !out.succeeded, let o = jsonObject(out.stdout) else { return nil }
        return ((o["code"] as? Int) ?? -1, (o["msg"] as? String) ?? "")
    }

    @Test(arguments: ["bridge", "ptp"], ["4294968696", "-1", "67", "65536"])
    func outOfRangeMTUIsCode7(plugin: String, mtu: String) throws {
        // No IPAM section: nothing could be allocated even if the MTU got through.
        let config = #"{"cniVersion":"1.0.0","name":"net1","type":"\#(plugin)","mtu":\#(mtu)}"#
        let e = try error(plugin, config)
        #expect(e?.code == 7)
        #expect(e?.msg.contains("invalid MTU \(mtu)") == true, "\(String(describing: e))")
    }

    @Test(arguments: ["bridge", "ptp"])
    func mistypedOptionIsCode6(plugin: String) throws {
        let e = try error(plugin, #"{"cniVersion":"1.0.0","name":"net1","type":"\#(plugin)","Mtu":"1500"}"#)
        #expect(e?.code == 6)
        #expect(e?.msg == #"network config: "Mtu" must be an integer, found a string"#)
    }

    /// Every boolean option takes "true"/"false" strings, so this fails on the bad backend name
    /// (code 7), not on the string booleans.
    @Test(arguments: ["bridge", "ptp"])
    func stringBooleansAreAccepted(plugin: String) throws {
        let e = try error(plugin, #"{"cniVersion":"1.0.0","name":"net1","type":"\#(plugin)","ipMasq":"TRUE","enabledad":"false","ipMasqBackend":"pf"}"#)
        #expect(e?.code == 7)
        #expect(e?.msg == #"unknown ipmasq backend "pf""#)
    }
}
