import NetAddress
import Testing

@testable import CNI

/// A plugin that records what it was called with.
final class RecordingPlugin: CNIPlugin, @unchecked Sendable {
    var knownArgs: Set<String>?
    var supportedVersions = CNIVersion.allStrings
    var calls: [(CNICommand, PluginContext)] = []
    var result = CNIResult(
        interfaces: [.init(name: "eth0", mac: "0a:58:0a:01:02:03", mtu: 1400, sandbox: "/run/netns/x")],
        ips: [.init(interface: 0, address: IPNetwork("10.1.2.3/24")!, gateway: IPAddress("10.1.2.1"))])
    var failure: (any Error)?

    init(knownArgs: Set<String>? = nil) { self.knownArgs = knownArgs }

    private func record(_ c: PluginContext) throws {
        calls.append((c.command, c))
        if let failure { throw failure }
    }

    func add(_ c: PluginContext) throws -> CNIResult {
        try record(c)
        return result
    }
    func check(_ c: PluginContext) throws { try record(c) }
    func delete(_ c: PluginContext) throws { try record(c) }
    func gc(_ c: PluginContext) throws { try record(c) }
    func status(_ c: PluginContext) throws { try record(c) }
}

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
    var error: JSONValue? { try? JSONValue(parsing: stdout) }
}

/// The variables of a well-formed request for `command`.
func request(_ command: String, _ overrides: [String: String?] = [:]) -> [String: String] {
    var v = [
        "CNI_COMMAND": command, "CNI_CONTAINERID": "ctr1", "CNI_NETNS": "/run/netns/x", "CNI_IFNAME": "eth0",
        "CNI_PATH": "/opt/cni/bin",
    ]
    for (k, value) in overrides { v[k] = value }
    return v
}

func run(
    _ plugin: some CNIPlugin, _ variables: [String: String], stdin: String = #"{"cniVersion":"1.0.0","name":"net","type":"x"}"#,
    about: String = "CNI test plugin v0", ownNetns: String? = nil
) -> Run {
    let (env, output) = PluginEnvironment.capturing(
        variables: variables, stdin: Array(stdin.utf8), isOwnNetworkNamespace: { $0 == ownNetns })
    let status = PluginMain.execute(plugin, about: about, environment: env)
    return Run(status: status, stdout: output.stdoutText, stderr: output.stderrText)
}

@Suite struct PluginMainErrorTests {
    /// The error object, pretty as skel prints it, plus the spec's cniVersion.
    @Test func malformedConfigIsADecodingFailure() {
        let r = run(RecordingPlugin(), request("ADD"), stdin: #"{"cniVersion":"1.0.0","name":"net""#)
        #expect(r.status == 1)
        #expect(r.stdout == """
            {
                "cniVersion": "1.1.0",
                "code": 6,
                "msg": "error unmarshall network config: unexpected end of JSON input at offset 34"
            }
            """)
    }

    @Test func unsupportedVersionIsCode1WithSkelDetails() {
        let r = run(RecordingPlugin(), request("ADD"), stdin: #"{"cniVersion":"9.9.9","name":"net"}"#)
        #expect(r.status == 1)
        #expect(r.stdout == """
            {
                "cniVersion": "9.9.9",
                "code": 1,
                "msg": "incompatible CNI versions",
                "details": "config is \\"9.9.9\\", plugin supports [\\"0.1.0\\" \\"0.2.0\\" \\"0.3.0\\" \\"0.3.1\\" \\"0.4.0\\" \\"1.0.0\\" \\"1.1.0\\"]"
            }
            """)
    }

    @Test func missingCommandPrintsAboutAndFails() {
        let plugin = RecordingPlugin()
        let r = run(plugin, [:])
        #expect(r.status == 1)
        #expect(r.stderr == "CNI test plugin v0\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n")
        #expect(r.error?["code"] == 4)
        #expect(r.error?["msg"] == "required env variables [CNI_COMMAND] missing")
        #expect(plugin.calls.isEmpty)
        // Without an about text, just the error.
        #expect(run(plugin, [:], about: "").stderr == "")
    }

    @Test(arguments: [
        ("ADD", ["CNI_NETNS": nil], "[CNI_NETNS]"),
        ("ADD", ["CNI_NETNS": ""], "[CNI_NETNS]"),
        ("ADD", ["CNI_CONTAINERID": nil, "CNI_NETNS": nil, "CNI_IFNAME": nil, "CNI_PATH": nil],
         "[CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH]"),
        ("CHECK", ["CNI_IFNAME": nil], "[CNI_IFNAME]"),
        ("DEL", ["CNI_CONTAINERID": nil, "CNI_PATH": nil], "[CNI_CONTAINERID,CNI_PATH]"),
        ("GC", ["CNI_PATH": nil], "[CNI_PATH]"),
        ("STATUS", ["CNI_PATH": nil], "[CNI_PATH]"),
    ] as [(String, [String: String?], String)])
    func missingVariablesAreListedInSkelOrder(command: String, removed: [String: String?], list: String) {
        let r = run(RecordingPlugin(), request(command, removed), stdin: #"{"cniVersion":"1.1.0","name":"net"}"#)
        #expect(r.status == 1)
        #expect(r.error?["code"] == 4)
        #expect(r.error?["msg"] == .string("required env variables \(list) missing"))
    }

    @Test func delNeedsNoNetnsAndGCNeedsNoContainer() {
        let plugin = RecordingPlugin()
        #expect(run(plugin, request("DEL", ["CNI_NETNS": nil])).status == 0)
        let gc = run(
            plugin, ["CNI_COMMAND": "GC", "CNI_PATH": "/opt/cni/bin"],
            stdin: #"{"cniVersion":"1.1.0","name":"net","cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"}]}"#)
        #expect(gc.status == 0)
        #expect(plugin.calls.map(\.0) == [.delete, .gc])
        #expect(plugin.calls[1].1.config.validAttachments == [ValidAttachment(containerID: "a", ifName: "eth0")])
        #expect(plugin.calls[1].1.containerID == "")
    }

    @Test func sixteenByteInterfaceNameIsRejected() {
        let r = run(RecordingPlugin(), request("ADD", ["CNI_IFNAME": "abcdefghijklmnop"]))
        #expect(r.status == 1)
        #expect(r.error == [
            "cniVersion": "1.0.0", "code": 4, "msg": "interface name is too long",
            "details": "interface name should be less than 16 characters",
        ])
    }

    @Test(arguments: ["a/b", "../x", "-ctr", "ctr 1", "ctr;rm"])
    func badContainerIDIsRejected(id: String) {
        let r = run(RecordingPlugin(), request("ADD", ["CNI_CONTAINERID": id]))
        #expect(r.status == 1)
        #expect(r.error == [
            "cniVersion": "1.0.0", "code": 4, "msg": "invalid characters in containerID", "details": .string(id),
        ])
    }

    @Test func networkNameIsValidated() {
        let missing = run(RecordingPlugin(), request("ADD"), stdin: #"{"cniVersion":"1.0.0"}"#)
        #expect(missing.error?["code"] == 7)
        #expect(missing.error?["msg"] == "missing network name")
        let hostile = run(RecordingPlugin(), request("DEL"), stdin: #"{"cniVersion":"1.0.0","name":"../etc"}"#)
        #expect(hostile.error?["code"] == 7)
        #expect(hostile.error?["details"] == "../etc")
        let typed = run(RecordingPlugin(), request("DEL"), stdin: #"{"cniVersion":"1.0.0","name":1}"#)
        #expect(typed.error?["code"] == 6)
    }

    @Test func checkNeedsConfig040() {
        let plugin = RecordingPlugin()
        let r = run(plugin, request("CHECK"), stdin: #"{"cniVersion":"0.3.1","name":"net"}"#)
        #expect(r.status == 1)
        #expect(r.error == ["cniVersion": "0.3.1", "code": 1, "msg": "config version does not allow CHECK"])
        #expect(run(plugin, request("CHECK"), stdin: #"{"cniVersion":"0.4.0","name":"net"}"#).status == 0)
        #expect(plugin.calls.map(\.0) == [.check])
    }

    @Test(arguments: ["GC", "STATUS"])
    func gcAndStatusNeedConfig110(command: String) {
        let plugin = RecordingPlugin()
        let r = run(plugin, request(command), stdin: #"{"cniVersion":"1.0.0","name":"net"}"#)
        #expect(r.status == 1)
        #expect(r.error == ["cniVersion": "1.0.0", "code": 1, .init(stringLiteral: "msg"): .string("config version does not allow \(command)")])
        #expect(run(plugin, request(command), stdin: #"{"cniVersion":"1.1.0","name":"net"}"#).status == 0)
        #expect(plugin.calls.count == 1)
    }

    @Test func checkOnAPluginThatStopsAt030() {
        let plugin = RecordingPlugin()
        plugin.supportedVersions = ["0.3.0", "0.3.1"]
        let r = run(plugin, request("CHECK"), stdin: #"{"cniVersion":"0.4.0","name":"net"}"#)
        #expect(r.error?["msg"] == "plugin version does not allow CHECK")
    }

    @Test func unparseableVersionOnCheckIsCode6() {
        let r = run(RecordingPlugin(), request("CHECK"), stdin: #"{"cniVersion":"one","name":"net"}"#)
        #expect(r.error?["code"] == 6)
        #expect(r.error?["msg"] == #"failed to convert major version part "one": strconv.Atoi: parsing "one": invalid syntax"#)
    }

    @Test func unknownCommandIsCode4AfterStdinParses() {
        let r = run(RecordingPlugin(), request("FOO"))
        #expect(r.error?["code"] == 4)
        #expect(r.error?["msg"] == "unknown CNI_COMMAND: FOO")
        #expect(run(RecordingPlugin(), request("FOO"), stdin: "{").error?["code"] == 6)
        #expect(run(RecordingPlugin(), request("add")).error?["msg"] == "unknown CNI_COMMAND: add")
    }

    @Test func unreadableStdinIsCode5() throws {
        let (env, output) = PluginEnvironment.capturing(variables: request("ADD"))
        var failing = env
        failing.readStdin = { throw CNIError(.internal, "EIO") }
        #expect(PluginMain.execute(RecordingPlugin(), about: "", environment: failing) == 1)
        #expect(try JSONValue(parsing: output.stdoutText)["code"] == 5)
    }

    @Test func ownNamespaceIsCode8UnlessOverridden() {
        let plugin = RecordingPlugin()
        let r = run(plugin, request("ADD", ["CNI_NETNS": "/proc/self/ns/net"]), ownNetns: "/proc/self/ns/net")
        #expect(r.error?["code"] == 8)
        #expect(r.error?["msg"] == "plugin's netns and netns from CNI_NETNS should not be the same")
        #expect(plugin.calls.isEmpty)  // refused before anything ran
        for value in ["1", "true", "TRUE"] {
            let ok = run(
                plugin, request("ADD", ["CNI_NETNS": "/proc/self/ns/net", "CNI_NETNS_OVERRIDE": value]),
                ownNetns: "/proc/self/ns/net")
            #expect(ok.status == 0)
        }
    }

    @Test func pluginErrorsKeepTheirCodeOthersAre999() {
        let plugin = RecordingPlugin()
        plugin.failure = CNIError(.tryAgainLater, "busy", details: "retry")
        #expect(run(plugin, request("DEL")).error == [
            "cniVersion": "1.0.0", "code": 11, "msg": "busy", "details": "retry",
        ])
        struct Oops: Error, CustomStringConvertible { var description: String { "failed to frob eth0" } }
        plugin.failure = Oops()
        #expect(run(plugin, request("DEL")).error == ["cniVersion": "1.0.0", "code": 999, "msg": "failed to frob eth0"])
        struct Typed: CNIErrorConvertible { var cniError: CNIError { CNIError(.invalidNetNS, "no such netns") } }
        plugin.failure = Typed()
        #expect(run(plugin, request("DEL")).error?["code"] == 8)
    }

    @Test func mistypedCommonKeyIsCode6() {
        let r = run(RecordingPlugin(), request("ADD"), stdin: #"{"cniVersion":"1.0.0","name":"n","ipam":[]}"#)
        #expect(r.error?["code"] == 6)
        #expect(r.error?["msg"] == #"network config: "ipam" must be an object, found an array"#)
    }

    /// The teardown rule: DEL and GC fail only on the envelope. Mistyped spec keys are unset,
    /// `CNI_ARGS` is not checked; a bad name, version or JSON still fails them.
    @Test func deleteAndGCFailOnlyOnTheEnvelope() {
        let mistyped = #"{"cniVersion":"1.1.0","name":"n","ipam":[],"dns":"x","capabilities":[],"prevResult":"x","cni.dev/valid-attachments":{}}"#
        for command in ["DEL", "GC"] {
            let plugin = RecordingPlugin(knownArgs: ["IP"])
            let r = run(plugin, request(command, ["CNI_ARGS": "ip=10.1.2.9;x"]), stdin: mistyped)
            #expect(r.status == 0, "\(command): \(r.stdout)")
            let config = plugin.calls.first?.1.config
            #expect(config?.ipam == nil && config?.dns == nil && config?.rawPrevResult == nil && config?.validAttachments == nil)
            #expect(plugin.calls.first?.1.args.ip == nil)
            #expect(run(plugin, request(command), stdin: #"{"cniVersion":"1.1.0","name":"n/x"}"#).error?["code"] == 7)
            #expect(run(plugin, request(command), stdin: #"{"cniVersion":"9.9.9","name":"n"}"#).error?["code"] == 1)
            #expect(run(plugin, request(command), stdin: #"{"cniVersion":"1.1.0","name":"n""#).error?["code"] == 6)
        }
        #expect(run(RecordingPlugin(), request("CHECK"), stdin: mistyped).error?["code"] == 6)
        #expect(run(RecordingPlugin(knownArgs: ["IP"]), request("STATUS", ["CNI_ARGS": "x"]), stdin: #"{"cniVersion":"1.1.0","name":"n"}"#).error?["code"] == 4)
    }
}

@Suite struct PluginMainSuccessTests {
    @Test func versionReportsWhatWasAskedAndEveryVersion() {
        let r = run(RecordingPlugin(), ["CNI_COMMAND": "VERSION"], stdin: "")
        #expect(r.status == 0)
        #expect(r.stdout == #"{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}"# + "\n")
        let asked = run(RecordingPlugin(), ["CNI_COMMAND": "VERSION"], stdin: #"{"cniVersion":"0.4.0"}"#)
        #expect(asked.stdout.hasPrefix(#"{"cniVersion":"0.4.0","#))
        // VERSION ignores garbage on stdin, as skel does.
        #expect(run(RecordingPlugin(), ["CNI_COMMAND": "VERSION"], stdin: "{").status == 0)
    }

    @Test func addPrintsTheResultInTheConfigVersion() throws {
        let plugin = RecordingPlugin()
        let r10 = run(plugin, request("ADD"), stdin: #"{"cniVersion":"1.0.0","name":"net"}"#)
        #expect(r10.status == 0)
        #expect(r10.stdout == String(decoding: try plugin.result.printed(version: "1.0.0"), as: UTF8.self))
        #expect(r10.stdout.contains("\"mtu\": 1400"))
        let r04 = run(plugin, request("ADD"), stdin: #"{"cniVersion":"0.4.0","name":"net"}"#)
        #expect(r04.stdout.contains(#""version": "4""#))
        #expect(!r04.stdout.contains("mtu"))
        let r02 = run(plugin, request("ADD"), stdin: #"{"name":"net"}"#)  // no cniVersion: 0.1.0
        #expect(try JSONValue(parsing: r02.stdout)["cniVersion"] == "0.1.0")
        #expect(try JSONValue(parsing: r02.stdout)["ip4"]?["ip"] == "10.1.2.3/24")
    }

    @Test func unconvertibleResultIsAnError() {
        let plugin = RecordingPlugin()
        plugin.result = CNIResult(interfaces: [.init(name: "lo")])
        let r = run(plugin, request("ADD"), stdin: #"{"cniVersion":"0.2.0","name":"net"}"#)
        #expect(r.status == 1)
        #expect(r.error?["msg"] == "cannot convert: no valid IP addresses")
    }

    @Test func theContextCarriesTheRequest() throws {
        let plugin = RecordingPlugin()
        let stdin = #"{"cniVersion":"1.1.0","name":"net","type":"bridge","bridge":"br0","ipam":{"type":"host-local"}}"#
        let r = run(
            plugin, request("ADD", ["CNI_ARGS": "IgnoreUnknown=1;K8S_POD_NAME=web", "CNI_PATH": "/a:/b"]), stdin: stdin)
        #expect(r.status == 0)
        let c = try #require(plugin.calls.first?.1)
        #expect(c.command == .add)
        #expect(c.containerID == "ctr1")
        #expect(c.netns == "/run/netns/x")
        #expect(c.ifName == "eth0")
        #expect(c.path == ["/a", "/b"])
        #expect(c.args.k8sPodName == "web")
        #expect(c.stdin == Array(stdin.utf8))
        #expect(c.config.raw["bridge"] == "br0")
        #expect(c.config.ipam?.type == "host-local")
        #expect(c.cniVersion == "1.1.0")
    }

    @Test func declaredArgsAreEnforced() {
        let strict = RecordingPlugin(knownArgs: ["IP"])
        let unknown = run(strict, request("ADD", ["CNI_ARGS": "IP=10.1.2.9;K8S_POD_NAME=web"]))
        #expect(unknown.error?["code"] == 4)
        #expect(unknown.error?["msg"] == #"ARGS: unknown args ["K8S_POD_NAME=web"]"#)
        #expect(run(strict, request("ADD", ["CNI_ARGS": "IgnoreUnknown=true;IP=10.1.2.9;K8S_POD_NAME=web"])).status == 0)
        #expect(strict.calls.first?.1.args.ip == "10.1.2.9")
        let malformed = run(strict, request("ADD", ["CNI_ARGS": "IP=10.1.2.9;"]))
        #expect(malformed.error?["msg"] == #"ARGS: invalid pair """#)
        // A plugin that declares nothing takes anything.
        #expect(run(RecordingPlugin(), request("ADD", ["CNI_ARGS": "garbage;;x=y=z"])).status == 0)
    }
}
