import CNI
import CNIRuntime
import CNITestSupport
import Foundation
import Testing

/// The cnitool binary, driven as a person or a script drives it, with fake plugins.
@Suite struct CNIToolCLITests {
    static let binary = Binaries.path("cnitool")

    func cnitool(_ node: FakeNode, _ args: [String], env extra: [String: String] = [:]) throws -> CommandOutput {
        var env = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "FAKE_LOG": node.log, "CNI_PATH": node.bin, "NETCONFPATH": node.netconf]
        for (k, v) in extra { env[k] = v }
        return try Command.run([Self.binary] + args, environment: env)
    }

    func network(_ node: FakeNode, version: String = "1.1.0") throws {
        try node.plugin("fakea", result: fakeResult(version))
        try node.config("10-net.conflist", #"{"cniVersion":"\#(version)","name":"net","plugins":[{"type":"fakea","capabilities":{"portMappings":true}}]}"#)
    }

    @Test func addCheckDelWithGlobalOptionsAnywhere() throws {
        let node = try FakeNode()
        try network(node)
        let add = try cnitool(node, ["--cache-dir", node.cache, "add", "net", "/var/run/netns/cli-test", "-i", "net1"],
                              env: ["CAP_ARGS": #"{"portMappings":[{"hostPort":80,"containerPort":80}]}"#, "CNI_ARGS": "IgnoreUnknown=1"])
        #expect(add.status == 0, "\(add.stderr)")
        let result = try #require(jsonObject(add.stdout))
        #expect(result["cniVersion"] as? String == "1.1.0")
        #expect(add.stdout.hasPrefix("{\n    \"cniVersion\""))  // libcni's Print(): 4-space indent
        let id = CNIToolConventions.containerID(netnsPath: "/var/run/netns/cli-test")
        #expect(node.cachedFiles == ["net-\(id)-net1"])
        let call = try #require(node.calls.first)
        #expect(call.env["CNI_IFNAME"] == "net1" && call.env["CNI_ARGS"] == "IgnoreUnknown=1" && call.env["CNI_CONTAINERID"] == id)
        #expect(call.json["runtimeConfig"] != nil)

        // The name form of the netns and CNI_IFNAME reach the same attachment.
        let check = try cnitool(node, ["check", "net", "cli-test", "--cache-dir", node.cache, "--json"], env: ["CNI_IFNAME": "net1"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(jsonObject(check.stdout)?["containerID"] as? String == id)

        let list = try cnitool(node, ["list", "--cache-dir", node.cache])
        #expect(list.stdout.contains("net      net1    \(id)  /var/run/netns/cli-test  10.1.2.3/24"))
        let listJSON = try cnitool(node, ["--cache-dir", node.cache, "--json", "list"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(listJSON.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 1 && entries[0]["ifName"] as? String == "net1")

        let del = try cnitool(node, ["--cache-dir", node.cache, "del", "net", "/var/run/netns/cli-test", "--ifname", "net1"])
        #expect(del.status == 0 && del.stdout.isEmpty && del.stderr.isEmpty)
        #expect(node.cachedFiles.isEmpty)
        #expect(node.calls.last?.env["CNI_COMMAND"] == "DEL")
    }

    @Test func failuresExitOneWithOneLine() throws {
        let node = try FakeNode()
        try network(node)
        func expectFailure(_ args: [String], env: [String: String] = [:], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let out = try cnitool(node, ["--cache-dir", node.cache] + args, env: env)
            #expect(out.status == 1, sourceLocation: sourceLocation)
            #expect(out.stderr == message + "\n", sourceLocation: sourceLocation)
            #expect(out.stdout.isEmpty, sourceLocation: sourceLocation)
            #expect(node.cachedFiles.isEmpty, sourceLocation: sourceLocation)
        }
        try expectFailure(["add", "nosuch", "x"], #"no net configuration with name "nosuch" in \#(node.netconf)"#)
        try expectFailure(["add", "net", "x"], env: ["CNI_ARGS": "A=1;"], #"invalid CNI_ARGS pair """#)
        let badCaps = try cnitool(node, ["add", "net", "x", "--cache-dir", node.cache], env: ["CAP_ARGS": "{"])
        #expect(badCaps.status == 1 && badCaps.stderr.hasPrefix("invalid CAP_ARGS: ") && badCaps.stderr.split(separator: "\n").count == 1)
        try expectFailure(["add", "net", "x"], env: ["CNI_PATH": "/nonexistent"],
                          #"plugin type="fakea" failed (add): failed to find plugin "fakea" in path [/nonexistent]"#)
        try node.fail("fakea", "ADD", code: 11, msg: "try again", details: "line1\nline2")
        try expectFailure(["add", "net", "x"], #"plugin type="fakea" failed (add): try again; line1; line2"#)
        try node.config("05-broken.conflist", "{")
        let broken = try cnitool(node, ["add", "net", "x", "--cache-dir", node.cache])
        #expect(broken.status == 1 && broken.stderr.hasPrefix("\(node.netconf)/05-broken.conflist: error parsing configuration list"))

        let usage = try cnitool(node, ["add", "net"])
        #expect(usage.status == 1 && usage.stderr.split(separator: "\n").count == 1)
        #expect(usage.stderr.contains("Missing expected argument '<netns>'"))
        let json = try cnitool(node, ["add", "nosuch", "x", "--json", "--cache-dir", node.cache])
        #expect(json.status == 1 && jsonObject(json.stdout)?["error"] as? String != nil)
    }

    @Test func gcAndStatus() throws {
        let node = try FakeNode()
        try network(node)
        for ns in ["a", "b"] {
            #expect(try cnitool(node, ["add", "net", ns, "--cache-dir", node.cache]).status == 0)
        }
        let gc = try cnitool(node, ["gc", "net", "--valid-netns", "a", "--cache-dir", node.cache])
        #expect(gc.status == 0, "\(gc.stderr)")
        let idB = CNIToolConventions.containerID(netnsPath: "/var/run/netns/b")
        #expect(gc.stdout == "deleted stale attachment \(idB) eth0 (/var/run/netns/b)\n")
        let idA = CNIToolConventions.containerID(netnsPath: "/var/run/netns/a")
        #expect(node.cachedFiles == ["net-\(idA)-eth0"])
        let gcCall = try #require(node.calls.last { $0.command == "GC" })
        #expect(gcCall.json["cni.dev/valid-attachments"] as? [[String: String]] == [["containerID": idA, "ifname": "eth0"]])

        let all = try cnitool(node, ["gc", "net", "ignored-netns", "--json", "--cache-dir", node.cache])
        #expect(((jsonObject(all.stdout)?["deleted"]) as? [[String: Any]])?.count == 1)
        #expect(node.cachedFiles.isEmpty)

        let status = try cnitool(node, ["status", "net", "--json"])
        #expect(status.status == 0 && jsonObject(status.stdout)?["ready"] as? Bool == true)
        try node.fail("fakea", "STATUS", code: 50, msg: "no addresses left")
        let down = try cnitool(node, ["status", "net"])
        #expect(down.status == 1 && down.stderr == "no addresses left\n")
    }

    @Test func helpAndCompletion() throws {
        let node = try FakeNode()
        let help = try cnitool(node, ["--help"])
        #expect(help.status == 0 && help.stdout.contains("EXAMPLES") && help.stdout.contains("NETCONFPATH"))
        let addHelp = try cnitool(node, ["add", "--help"])
        #expect(addHelp.status == 0 && addHelp.stdout.contains("cnitool add myptp"))
        let completion = try cnitool(node, ["completion", "bash"])
        #expect(completion.status == 0 && completion.stdout.contains("_cnitool"))
    }
}
