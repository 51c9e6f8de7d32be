import CNI
import NetAddress
import PluginKit
import Testing

/// What bridge and ptp share: their veth keys, the missing-prevResult error and the address filter.
@Suite struct VethPluginConfigTests {
    func read(_ extra: String) throws -> VethPluginConfig {
        let config = try NetworkConfig(bytes: Array(#"{"cniVersion":"1.0.0","name":"net","type":"x"\#(extra)}"#.utf8))
        return try VethPluginConfig(config, config.object(VethPluginConfig.fields))
    }

    func error(_ extra: String) -> CNIError? {
        do {
            _ = try read(extra)
            return nil
        } catch {
            return CNIError(error)
        }
    }

    @Test func keysAsGoReadsThem() throws {
        let c = try read(#","IPMasq":"true","ipMasqBackend":null,"MTU":9000,"enableDAD":true,"ipam":{"type":"host-local"},"DNS":{"search":[]}"#)
        #expect(c.network == "net" && c.ipamType == "host-local")
        #expect(c.ipMasq && c.ipMasqBackend == nil && c.mtu == 9000 && c.enableDAD)
        #expect(c.dns == DNS())
        #expect(try read(#","mtu":1400,"mtu":null"#).mtu == 1400)
        #expect(try read(#","mtu":1400,"mtu":0"#).mtu == nil)
        #expect(try read(#","ipMasqBackend":"""#).ipMasqBackend == nil)
    }

    /// 0 or 68–65535; the reference wraps or ignores the rest.
    @Test(arguments: ["4294968696", "-1", "1", "67", "65536", "9223372036854775807"])
    func mtuOutOfRangeIsRefused(mtu: String) {
        let e = error(#","mtu":\#(mtu)"#)
        #expect(e?.code == .invalidNetworkConfig)
        #expect(e?.msg == #"network config: "mtu": invalid MTU \#(mtu) (must be 0 for the kernel's default, or between 68 and 65535)"#)
        #expect(error(#","mtu":68"#) == nil && error(#","mtu":65535"#) == nil)
        #expect(error(#","mtu":1e3"#)?.code == .decodingFailure)
    }

    @Test func missingPrevResultIsCode7() throws {
        let config = try NetworkConfig(json: ["cniVersion": "1.0.0", "name": "n"])
        let missing = #expect(throws: PluginError.self) { try config.requirePrevResult() }
        #expect(missing.map { CNIError($0) } == CNIError(.invalidNetworkConfig, "Required prevResult missing"))
        let worded = #expect(throws: PluginError.self) { try config.requirePrevResult("x") }
        #expect(worded.map { CNIError($0) } == CNIError(.invalidNetworkConfig, "x"))
    }

    @Test func containerAddressesOfAResult() throws {
        let result = try CNIResult(json: JSONValue(parsing: #"""
            {"cniVersion":"1.0.0","interfaces":[{"name":"veth1"},{"name":"eth0","sandbox":"/run/netns/a"},{"name":"eth1","sandbox":"/run/netns/a"}],
             "ips":[{"interface":1,"address":"10.0.0.2/24"},{"interface":2,"address":"10.1.0.2/24"},{"address":"fd00::2/64"}]}
            """#))
        let mine = [IPNetwork("10.0.0.2/24")!, IPNetwork("fd00::2/64")!]
        #expect(result.containerAddresses(ifName: "eth0", sandbox: "/run/netns/a") == mine)
        // A DEL without a netns still finds the interface by name.
        #expect(result.containerAddresses(ifName: "eth0", sandbox: "") == mine)
        // No such interface: every address (teardown must not miss a family).
        #expect(result.containerAddresses(ifName: "eth9", sandbox: "/run/netns/a").count == 3)
    }
}
