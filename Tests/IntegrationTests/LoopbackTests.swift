import CNITestSupport
import Foundation
import Testing

/// The built `loopback` binary against real namespaces, and beside Debian's reference.
@Suite(.enabled(if: isPrivileged), .serialized)
struct LoopbackTests {
    let plugin = PluginRunner(binary: Binaries.path("loopback"))

    func config(_ version: String, extra: String = "") -> String {
        #"{"cniVersion":"\#(version)","name":"lo-test","type":"loopback"\#(extra)}"#
    }

    func loIsUp(_ ns: TestNamespace) throws -> Bool {
        let link = try ns.ipJSON(["link", "show", "lo"]).first
        return (link?["flags"] as? [String])?.contains("UP") ?? false
    }

    @Test func versionListsAllSeven() throws {
        let out = try plugin.run("VERSION", config: #"{"cniVersion":"1.1.0"}"#, containerID: nil, ifName: nil)
        #expect(out.status == 0)
        let json = try #require(jsonObject(out.stdout))
        #expect(json["cniVersion"] as? String == "1.1.0")
        #expect(json["supportedVersions"] as? [String] == ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
    }

    @Test(arguments: ["0.3.1", "0.4.0", "1.0.0", "1.1.0"])
    func addBringsLoUpAndReportsAddresses(version: String) throws {
        try withTestNamespaces(1, prefix: "lo") { ns in
            let ctr = ns[0]
            try ctr.check(["ip", "link", "set", "lo", "down"])
            let out = try plugin.run("ADD", config: config(version), netns: ctr.path)
            #expect(out.status == 0, "\(out.stdout)")
            #expect(try loIsUp(ctr))
            let result = try #require(jsonObject(out.stdout))
            #expect(result["cniVersion"] as? String == version)
            let interfaces = try #require(result["interfaces"] as? [[String: Any]])
            #expect(interfaces.count == 1)
            #expect(interfaces[0]["name"] as? String == "lo")
            #expect(interfaces[0]["mac"] as? String == "00:00:00:00:00:00")
            #expect(interfaces[0]["sandbox"] as? String == ctr.path)
            let ips = try #require(result["ips"] as? [[String: Any]])
            #expect(ips.map { $0["address"] as? String } == ["127.0.0.1/8", "::1/128"])
            #expect(ips.allSatisfy { $0["interface"] as? Int == 0 })
            // 0.3.x and 0.4.0 results carry the address family on every IP (the reference omits it).
            let versions = ips.map { $0["version"] as? String }
            if version.hasPrefix("0.") {
                #expect(versions == ["4", "6"])
            } else {
                #expect(versions == [nil, nil])
            }
        }
    }

    @Test func addIn020PrintsIp4AndIp6() throws {
        try withTestNamespaces(1, prefix: "lo") { ns in
            let out = try plugin.run("ADD", config: config("0.2.0"), netns: ns[0].path)
            #expect(out.status == 0)
            let result = try #require(jsonObject(out.stdout))
            #expect((result["ip4"] as? [String: Any])?["ip"] as? String == "127.0.0.1/8")
            #expect((result["ip6"] as? [String: Any])?["ip"] as? String == "::1/128")
            #expect(result["interfaces"] == nil)
        }
    }

    @Test func chainedAddPassesPrevResultThrough() throws {
        try withTestNamespaces(1, prefix: "lo") { ns in
            let prev = #","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"interface":0,"address":"10.1.0.5/24"}],"dns":{}}"#
            let out = try plugin.run("ADD", config: config("1.0.0", extra: prev), netns: ns[0].path)
            #expect(out.status == 0)
            let ips = try #require(jsonObject(out.stdout)?["ips"] as? [[String: Any]])
            #expect(ips.map { $0["address"] as? String } == ["10.1.0.5/24"])
        }
    }

    @Test func checkFailsWhenLoIsDownAndDelTakesItDown() throws {
        try withTestNamespaces(1, prefix: "lo") { ns in
            let ctr = ns[0]
            #expect(try plugin.run("ADD", config: config("1.1.0"), netns: ctr.path).status == 0)
            #expect(try plugin.run("CHECK", config: config("1.1.0"), netns: ctr.path).status == 0)
            #expect(try plugin.run("DEL", config: config("1.1.0"), netns: ctr.path).status == 0)
            #expect(try !loIsUp(ctr))
            let check = try plugin.run("CHECK", config: config("1.1.0"), netns: ctr.path)
            #expect(check.status == 1)
            #expect(jsonObject(check.stdout)?["msg"] as? String == "loopback interface is down")
        }
    }

    @Test func delSucceedsWhenTheNamespaceIsGoneOrNotGiven() throws {
        let gone = try TestNamespace("lo")
        let path = gone.path
        gone.delete()
        #expect(try plugin.run("DEL", config: config("1.0.0"), netns: path).status == 0)
        #expect(try plugin.run("DEL", config: config("1.0.0"), netns: nil).status == 0)
    }

    @Test func gcAndStatusSucceed() throws {
        #expect(try plugin.run("GC", config: config("1.1.0"), containerID: nil, ifName: nil).status == 0)
        #expect(try plugin.run("STATUS", config: config("1.1.0"), containerID: nil, ifName: nil).status == 0)
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var name: String
        var command: String?
        var config: String
        var netns: String?
        var ifName: String = "eth0"
        var code: Int
        var mentions: String
        var testDescription: String { name }
    }

    static let badInputs: [BadInput] = [
        .init(name: "malformed JSON", command: "ADD", config: #"{"cniVersion": "#, netns: "/proc/self/ns/net", code: 6, mentions: ""),
        .init(name: "unknown version", command: "ADD", config: #"{"cniVersion":"9.9.9","name":"n","type":"loopback"}"#, netns: "/proc/self/ns/net", code: 1, mentions: "9.9.9"),
        .init(name: "no CNI_COMMAND", command: nil, config: #"{"cniVersion":"1.0.0","name":"n","type":"loopback"}"#, netns: "/proc/self/ns/net", code: 4, mentions: "CNI_COMMAND"),
        .init(name: "ADD without CNI_NETNS", command: "ADD", config: #"{"cniVersion":"1.0.0","name":"n","type":"loopback"}"#, netns: nil, code: 4, mentions: "CNI_NETNS"),
        .init(name: "CNI_NETNS a regular file", command: "ADD", config: #"{"cniVersion":"1.0.0","name":"n","type":"loopback"}"#, netns: "/etc/hostname", code: 4, mentions: "/etc/hostname"),
        .init(name: "CNI_NETNS missing", command: "ADD", config: #"{"cniVersion":"1.0.0","name":"n","type":"loopback"}"#, netns: "/var/run/netns/swcni-no-such-ns", code: 4, mentions: "/var/run/netns/swcni-no-such-ns"),
        .init(name: "ifname of 16 bytes", command: "ADD", config: #"{"cniVersion":"1.0.0","name":"n","type":"loopback"}"#, netns: "/proc/self/ns/net", ifName: "abcdefghijklmnop", code: 4, mentions: ""),
    ]

    @Test(arguments: badInputs)
    func badInputIsAJSONErrorOnStdout(_ input: BadInput) throws {
        let out = try plugin.run(input.command, config: input.config, netns: input.netns, ifName: input.ifName)
        #expect(out.status == 1)
        let error = try #require(jsonObject(out.stdout), "stdout: \(out.stdout)")
        #expect(error["code"] as? Int == input.code)
        #expect(error["cniVersion"] != nil)
        let text = "\(error["msg"] ?? "") \(error["details"] ?? "")"
        #expect(input.mentions.isEmpty || text.contains(input.mentions), "\(text)")
        if input.command == nil { #expect(out.stderr.contains("loopback")) }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/lib/cni/loopback")))
    func sameResultAsTheReference() throws {
        try withTestNamespaces(2, prefix: "lo") { ns in
            let reference = PluginRunner(binary: "/usr/lib/cni/loopback", cniPath: "/usr/lib/cni")
            let ours = try plugin.run("ADD", config: config("1.0.0"), netns: ns[0].path)
            let theirs = try reference.run("ADD", config: config("1.0.0"), netns: ns[1].path)
            #expect(ours.stdout.replacingOccurrences(of: ns[0].path, with: "NS")
                == theirs.stdout.replacingOccurrences(of: ns[1].path, with: "NS"))
        }
    }
}
