import CNITestSupport
import Foundation
import NetAddress
import Testing

@testable import CNI

@Suite struct CNIVersionTests {
    @Test func parsesAsLibcni() throws {
        #expect(try CNIVersion(parsing: "") == .v0_1_0)
        #expect(try CNIVersion(parsing: "1") == CNIVersion(1, 0, 0))
        #expect(try CNIVersion(parsing: "0.4") == .v0_4_0)
        #expect(try CNIVersion(parsing: "1.1.0") == .v1_1_0)
        #expect(try CNIVersion(parsing: "+1.0.0") == .v1_0_0)  // strconv.Atoi takes a sign
        #expect(throws: CNIVersionError(#"invalid version "1.2.3.4": too many parts"#)) { try CNIVersion(parsing: "1.2.3.4") }
        #expect(throws: CNIVersionError(#"failed to convert minor version part "x": strconv.Atoi: parsing "x": invalid syntax"#)) {
            try CNIVersion(parsing: "1.x")
        }
        #expect(throws: CNIVersionError(#"failed to convert major version part "": strconv.Atoi: parsing "": invalid syntax"#)) {
            try CNIVersion(parsing: ".1")
        }
        #expect(CNIVersionError("x").cniError.code == .decodingFailure)
    }

    @Test func compares() throws {
        #expect(CNIVersion.all == CNIVersion.all.sorted())
        #expect(try CNIVersion.isAtLeast("0.4", .v0_4_0))
        #expect(try !CNIVersion.isAtLeast("0.3.1", .v0_4_0))
        #expect(try CNIVersion.isAtLeast("10.0.0", .v1_1_0))
        #expect(CNIVersion.allStrings == ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
    }
}

@Suite struct ValidationTests {
    @Test(arguments: ["a", "abc-123_x.y", "0", "Z.z"])
    func acceptsGoodNames(name: String) throws {
        try CNIValidation.validateContainerID(name)
        try CNIValidation.validateNetworkName(name)
    }

    @Test(arguments: ["-a", ".a", "_a", "a/b", "a b", "a\0b", "é", "a:b", "../x", "a\n"])
    func rejectsBadNames(name: String) {
        #expect(throws: CNIError(.invalidEnvironmentVariables, "invalid characters in containerID", details: name)) {
            try CNIValidation.validateContainerID(name)
        }
        #expect(throws: CNIError(.invalidNetworkConfig, "invalid characters found in network name", details: name)) {
            try CNIValidation.validateNetworkName(name)
        }
    }

    @Test func emptyAndDotDot() {
        #expect(throws: CNIError(.unknownContainer, "missing containerID")) { try CNIValidation.validateContainerID("") }
        #expect(throws: CNIError(.invalidNetworkConfig, "missing network name")) { try CNIValidation.validateNetworkName("") }
        #expect(throws: CNIError(.invalidNetworkConfig, "invalid characters found in network name", details: "a..b")) {
            try CNIValidation.validateNetworkName("a..b")
        }
    }

    @Test(arguments: [
        ("", "interface name is empty"),
        ("abcdefghijklmnop", "interface name is too long"),
        (".", "interface name is . or .."),
        ("..", "interface name is . or .."),
        ("a/b", "interface name contains / or : or whitespace characters"),
        ("eth0:1", "interface name contains / or : or whitespace characters"),
        ("a b", "interface name contains / or : or whitespace characters"),
        ("a\tb", "interface name contains / or : or whitespace characters"),
        ("a\u{A0}b", "interface name contains / or : or whitespace characters"),
        ("a\u{2003}b", "interface name contains / or : or whitespace characters"),
    ])
    func rejectsBadInterfaceNames(name: String, message: String) {
        #expect(throws: CNIError.self) { try CNIValidation.validateInterfaceName(name) }
        do {
            try CNIValidation.validateInterfaceName(name)
        } catch {
            #expect(error.code == .invalidEnvironmentVariables)
            #expect(error.msg == message)
        }
    }

    @Test func interfaceNameLimitIsFifteenBytes() throws {
        try CNIValidation.validateInterfaceName("abcdefghijklmno")
        try CNIValidation.validateInterfaceName("ééééééé")  // 14 bytes
        #expect(throws: CNIError.self) { try CNIValidation.validateInterfaceName("éééééééé") }  // 16 bytes
    }
}

@Suite struct NetworkConfigTests {
    @Test func decodesTheCommonKeys() throws {
        let config = try NetworkConfig(bytes: Array("""
            {"cniVersion":"1.1.0","name":"mynet","type":"bridge",
             "bridge":"cni0","args":{"cni":{"ips":["10.1.2.9"]}},"ipMasq":true,
             "ipam":{"type":"host-local","subnet":"10.1.2.0/24"},
             "dns":{"nameservers":["10.1.2.1"],"search":["a"]},
             "runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]},
             "capabilities":{"portMappings":true,"ips":false},
             "cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"}],
             "prevResult":{"cniVersion":"1.1.0","ips":[{"address":"10.1.2.3/24"}]}}
            """.utf8))
        #expect(config.cniVersion == "1.1.0")
        #expect(config.name == "mynet")
        #expect(config.type == "bridge")
        #expect(config.ipam?.type == "host-local")
        #expect(config.ipam?.raw["subnet"] == "10.1.2.0/24")
        #expect(config.dns == DNS(nameservers: ["10.1.2.1"], search: ["a"]))
        #expect(config.capabilities == ["portMappings": true, "ips": false])
        #expect(config.validAttachments == [ValidAttachment(containerID: "c1", ifName: "eth0")])
        #expect(try config.prevResult?.ips.first?.address == IPNetwork("10.1.2.3/24"))
        #expect(config.raw.keys.first == "cniVersion")
        #expect(config.raw["bridge"] == "cni0")
        #expect(try config.version == .v1_1_0)

        // A plugin reads its own keys as its own struct.
        let bridge = config.object(NetworkConfig.fields + ["bridge", "ipMasq", "runtimeConfig"])
        #expect(try bridge["bridge"].string() == "cni0")
        #expect(try bridge["ipMasq"].bool() == true)
        let mappings = try bridge["runtimeConfig"].object(["portMappings"])["portMappings"].slice()
        #expect(try mappings?.first?.object(["hostPort"])["hostPort"].int() == 8080)
    }

    /// Keys in another case, repeated keys and nulls mean what they mean to Go's decoder.
    @Test func readsTheCommonKeysAsGoDoes() throws {
        let config = try NetworkConfig(bytes: Array("""
            {"CNIVersion":"1.0.0","Name":"n","TYPE":"ptp","IPAM":{"type":"host-local"},"ipam":{"dataDir":"/x"},
             "Capabilities":{"ips":true},"capabilities":{"mac":true,"IPS":false},
             "dns":{"nameservers":null,"domain":""},
             "PrevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.1.2.3/24","interface":1.0}]}}
            """.utf8))
        #expect(config.cniVersion == "1.0.0" && config.name == "n" && config.type == "ptp")
        // Repeated objects merge into the IPAM struct.
        #expect(config.ipam?.type == "host-local" && config.ipam?.raw["dataDir"] == "/x")
        // A map accumulates keys, exactly.
        #expect(config.capabilities == ["ips": true, "mac": true, "IPS": false])
        // Nothing set in dns: no override.
        #expect(config.dns == nil)
        // prevResult went through a Go map: 1.0 became an int.
        #expect(try config.prevResult?.ips.first?.interface == 1)
        #expect(try NetworkConfig(json: ["dns": ["nameservers": []]]).dns == DNS())
        #expect(try NetworkConfig(json: ["ipam": nil]).ipam == nil)
        #expect(try NetworkConfig(json: ["prevResult": nil]).rawPrevResult == nil)
    }

    /// The IPAM plugins, and DEL and GC of every plugin, read the config leniently: a spec key
    /// that does not read is unset instead of failing the request; the others still count.
    @Test func lenientConfigIgnoresMistypedSpecKeys() throws {
        let text = Array(#"{"name":"n","type":5,"dns":7,"capabilities":[],"prevResult":"x","ipam":{"type":"host-local"},"cni.dev/valid-attachments":[{"containerID":"c","ifname":"e"}]}"#.utf8)
        #expect(throws: CNIError.self) { try NetworkConfig(bytes: text) }
        let config = try NetworkConfig(bytes: text, lenient: true)
        #expect(config.type == "" && config.dns == nil && config.capabilities.isEmpty && config.rawPrevResult == nil)
        #expect(config.ipam?.type == "host-local")
        #expect(config.validAttachments == [ValidAttachment(containerID: "c", ifName: "e")])
        // A prevResult that reads as a map is kept, for teardown to use if it decodes.
        let withPrevious = try NetworkConfig(bytes: Array(#"{"cniVersion":"1.0.0","dns":7,"prevResult":{"ips":[{"address":"10.1.2.3/24"}]}}"#.utf8), lenient: true)
        #expect(withPrevious.readablePrevResult?.ips.map(\.address) == [IPNetwork("10.1.2.3/24")!])
    }

    @Test func minimalConfig() throws {
        let config = try NetworkConfig(json: ["name": "n"])
        #expect(config.cniVersion == "")
        #expect(try config.version == .v0_1_0)
        #expect(config.ipam == nil)
        #expect(try config.prevResult == nil)
        #expect(config.validAttachments == nil)
    }

    @Test func legacyAttachmentKey() throws {
        let config = try NetworkConfig(json: ["cni.dev/attachments": [["containerID": "c", "ifname": "e"]]])
        #expect(config.validAttachments == [ValidAttachment(containerID: "c", ifName: "e")])
        #expect(try NetworkConfig(json: ["cni.dev/valid-attachments": []]).validAttachments == [])
    }

    @Test func prevResultIsReadInTheConfigVersion() throws {
        // A 0.4.0 config's prevResult is a 0.4.0 result even without its own cniVersion.
        let config = try NetworkConfig(json: [
            "cniVersion": "0.4.0",
            "prevResult": ["ips": [["version": "4", "address": "10.0.0.2/8"]]],
        ])
        #expect(try config.prevResult?.cniVersion == "0.4.0")
        // It is decoded when a verb asks for it, so only the verbs that use it fail on it.
        let notAResult = try NetworkConfig(json: ["cniVersion": "1.0.0", "prevResult": ["ips": [[:]]]])
        #expect(throws: CNIError(.decodingFailure, #"could not parse prevResult: result: "ips.0.address" is missing"#)) {
            try notAResult.prevResult
        }
        #expect(notAResult.readablePrevResult == nil)
        // libcni supplies the config's version under "CNIVersion"; the result's own wins, and a
        // result of another shape is refused, 0.1.0/0.2.0 included.
        let other = try NetworkConfig(json: ["cniVersion": "0.2.0", "prevResult": ["cniVersion": "1.0.0", "ips": []]])
        #expect(throws: CNIError(.decodingFailure, #"could not parse prevResult: result type supports [ 0.1.0 0.2.0] but unmarshalled CNIVersion is "1.0.0""#)) {
            try other.prevResult
        }
        let emptyVersion = try NetworkConfig(json: ["cniVersion": "1.0.0", "prevResult": ["cniVersion": "", "ips": []]])
        #expect(throws: CNIError(.decodingFailure, #"could not parse prevResult: result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is """#)) {
            try emptyVersion.prevResult
        }
        #expect(throws: CNIError(.decodingFailure, #"network config: "prevResult" must be an object, found an array"#)) {
            try NetworkConfig(json: ["cniVersion": "1.0.0", "prevResult": []])
        }
    }

    @Test(arguments: [
        (#"{"name":5}"#, #"network config: "name" must be a string, found a number"#),
        (#"{"type":true}"#, #"network config: "type" must be a string, found a boolean"#),
        (#"{"ipam":{"type":7}}"#, #"network config: "ipam.type" must be a string, found a number"#),
        (#"{"dns":{"nameservers":[1]}}"#, #"network config: "dns.nameservers.0" must be a string, found a number"#),
        (#"{"capabilities":{"ips":"x"}}"#, #"network config: "capabilities.ips" must be a boolean, found "x""#),
        (#"{"capabilities":[]}"#, #"network config: "capabilities" must be an object, found an array"#),
        (#"{"prevResult":[]}"#, #"network config: "prevResult" must be an object, found an array"#),
        ("[]", "network config must be an object, found an array"),
        ("{", "error parsing network config: unexpected end of JSON input at offset 1"),
    ])
    func rejectsMistypedKeys(json: String, message: String) {
        #expect(throws: CNIError(.decodingFailure, message)) { try NetworkConfig(bytes: Array(json.utf8)) }
    }
}

@Suite struct NetworkConfigListTests {
    func parse(_ text: String) throws(NetworkConfigListError) -> NetworkConfigList {
        try NetworkConfigList(bytes: Array(text.utf8))
    }

    @Test func parsesAList() throws {
        let list = try parse("""
            {"cniVersion":"1.0.0","name":"mynet","disableCheck":true,"disableGC":"True",
             "plugins":[{"type":"bridge","bridge":"cni0","ipam":{"type":"host-local"}},{"type":"portmap","capabilities":{"portMappings":true}}]}
            """)
        #expect(list.name == "mynet")
        #expect(list.cniVersion == "1.0.0")
        #expect(list.disableCheck && list.disableGC && !list.loadOnlyInlinedPlugins)
        #expect(list.plugins.map(\.type) == ["bridge", "portmap"])
        #expect(list.plugins[1].capabilities["portMappings"] == true)
        #expect(list.plugins[0].raw["bridge"] == "cni0")
    }

    /// The list is a Go map (exact keys, the last repeat wins); each plugin object goes through
    /// `interface{}` before it is decoded as a struct, so its keys are decoded in sorted order.
    @Test func readsListAndPluginKeysAsLibcniDoes() throws {
        let list = try parse(#"{"Name":"x","name":"n","NAME":"y","plugins":[{"type":"a","Type":"b"},{"Type":"b","type":"a","ipam":{"type":"x"},"ipam":{"TYPE":"y"}}]}"#)
        #expect(list.name == "n")
        #expect(list.plugins.map(\.type) == ["a", "a"])
        // Within a plugin object the map keeps only the last `ipam`.
        #expect(list.plugins[1].ipam?.type == "y")
        // A plugin decoding the same bytes from stdin reads them in document order.
        #expect(try NetworkConfig(bytes: Array(#"{"type":"a","Type":"b"}"#.utf8)).type == "b")
        #expect(throws: NetworkConfigListError.self) { try parse(#"{"name":"n","name":5}"#) }
    }

    @Test func picksTheHighestKnownVersionFromCNIVersions() throws {
        #expect(try parse(#"{"name":"n","cniVersion":"0.4.0","cniVersions":["1.0.0","2.0.0","0.3.1"],"plugins":[{"type":"x"}]}"#)
            .cniVersion == "1.0.0")
        #expect(try parse(#"{"name":"n","cniVersion":"1.1.0","cniVersions":["1.0.0"],"plugins":[{"type":"x"}]}"#)
            .cniVersion == "1.1.0")
        #expect(try parse(#"{"name":"n","cniVersions":["3.0.0"],"plugins":[{"type":"x"}]}"#).cniVersion == "")
    }

    @Test func listWithoutPluginsIsLeftForTheDirectoryLoader() throws {
        #expect(try parse(#"{"name":"n","cniVersion":"1.0.0"}"#).plugins.isEmpty)
    }

    @Test(arguments: [
        ("{", "error parsing configuration list: unexpected end of JSON input at offset 1"),
        ("[]", "error parsing configuration list: json: cannot unmarshal array into Go value of type map[string]interface {}"),
        (#"{"cniVersion":"1.0.0"}"#, "error parsing configuration list: no name"),
        ("null", "error parsing configuration list: no name"),
        (#"{"name":1}"#, "error parsing configuration list: invalid name type float64"),
        (#"{"name":"n","cniVersion":1}"#, "error parsing configuration list: invalid cniVersion type float64"),
        (#"{"name":"n","cniVersions":"1.0.0"}"#, "error parsing configuration list: invalid type for cniVersions: string"),
        (#"{"name":"n","cniVersions":[1]}"#, "error parsing configuration list: invalid type for cniVersions index 0: float64"),
        (#"{"name":"n","cniVersions":["x"]}"#,
         #"error parsing configuration list: invalid cniVersions entry x at index 0: failed to convert major version part "x": strconv.Atoi: parsing "x": invalid syntax"#),
        (#"{"name":"n","disableCheck":1}"#, "error parsing configuration list: invalid type float64 for disableCheck"),
        (#"{"name":"n","disableGC":"Yes"}"#, #"error parsing configuration list: invalid value "yes" for disableGC"#),
        (#"{"name":"n","loadOnlyInlinedPlugins":true}"#,
         "error parsing configuration list: `loadOnlyInlinedPlugins` is true, and no 'plugins' key"),
        (#"{"name":"n","plugins":{}}"#, "error parsing configuration list: invalid 'plugins' type map[string]interface {}"),
        (#"{"name":"n","plugins":[]}"#, "error parsing configuration list: no plugins in list"),
        (#"{"name":"n","plugins":[{"type":"a"},{"ipam":{}}]}"#,
         "failed to parse plugin config 1: error parsing configuration: missing 'type'"),
        (#"{"name":"n","plugins":[{"type":"a","dns":1}]}"#,
         #"failed to parse plugin config 0: error parsing configuration: network config: "dns" must be an object, found a number"#),
    ])
    func rejectsAsLibcni(text: String, message: String) {
        #expect(throws: NetworkConfigListError(message)) { try parse(text) }
    }

    @Test func upConvertsASingleConfig() throws {
        let single = try NetworkConfig(json: ["cniVersion": "0.4.0", "name": "one", "type": "ptp", "mtu": 1400])
        let list = try NetworkConfigList(single: single)
        #expect(list.name == "one")
        #expect(list.cniVersion == "0.4.0")
        #expect(list.plugins.count == 1)
        #expect(list.plugins[0].raw["mtu"]?.intValue == 1400)
    }
}

@Suite struct PluginVersionInfoTests {
    @Test func decodesAsLibcni() throws {
        let info = try PluginVersionInfo(bytes: Array(#"{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}"#.utf8))
        #expect(info == PluginVersionInfo(cniVersion: "1.0.0", supportedVersions: ["0.4.0", "1.0.0"]))
        #expect(try PluginVersionInfo(bytes: Array(#"{"cniVersion":"0.2.0"}"#.utf8)).supportedVersions == ["0.1.0", "0.2.0"])
        #expect(throws: CNIError(.decodingFailure, "decoding version info: missing field cniVersion")) {
            try PluginVersionInfo(bytes: Array(#"{"supportedVersions":["1.0.0"]}"#.utf8))
        }
        #expect(throws: CNIError(.decodingFailure, "decoding version info: missing field supportedVersions")) {
            try PluginVersionInfo(bytes: Array(#"{"cniVersion":"1.0.0"}"#.utf8))
        }
        #expect(throws: CNIError(.decodingFailure, "decoding version info: unexpected end of JSON input at offset 0")) {
            try PluginVersionInfo(bytes: [])
        }
    }

    /// What Debian's reference loopback answers to libcni's probe.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/loopback")))
    func readsTheReferenceAnswer() throws {
        let out = try Command.run(["/usr/lib/cni/loopback"], environment: ["CNI_COMMAND": "VERSION"], stdin: Array(#"{"cniVersion":"1.1.0"}"#.utf8))
        let info = try PluginVersionInfo(bytes: out.stdoutBytes)
        #expect(info.supportedVersions.contains("1.0.0"))
        // Our VERSION answer has the same shape and layout (compact, newline-terminated).
        let r = run(RecordingPlugin(), ["CNI_COMMAND": "VERSION"], stdin: "")
        #expect(r.stdout.hasSuffix("]}\n") && out.stdout.hasSuffix("]}\n"))
    }
}
