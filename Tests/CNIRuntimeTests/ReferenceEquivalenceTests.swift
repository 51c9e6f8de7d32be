import CNI
import CNIRuntime
import CNITestSupport
import Foundation
import Testing

/// cnitool driving Debian's reference plugins gives what the same plugins give when driven
/// directly with the request a runtime must build (name, cniVersion, prevResult from the previous
/// plugin, runtimeConfig from declared capabilities). Each side gets its own throwaway node and
/// IPAM directory, so both allocate the same addresses; only random values (MACs, host veth
/// names) and the netns path differ.
@Suite(.enabled(if: isPrivileged)) struct ReferenceEquivalenceTests {
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var conflist: String
        var capArgs: String = ""
    }

    static let cases = [
        Case(description: "ptp + host-local", conflist: """
            {"cniVersion":"1.0.0","name":"eqptp","plugins":[{"type":"ptp","ipMasq":true,"ipam":{"type":"host-local",
             "dataDir":"DATADIR","subnet":"10.77.0.0/24","routes":[{"dst":"0.0.0.0/0"}]}}]}
            """),
        Case(description: "bridge + host-local (dual stack) + portmap", conflist: """
            {"cniVersion":"1.0.0","name":"eqbr","plugins":[{"type":"bridge","bridge":"cni-eq0","isGateway":true,"ipMasq":true,
             "ipam":{"type":"host-local","dataDir":"DATADIR","ranges":[[{"subnet":"10.78.0.0/24"}],[{"subnet":"fd78::/64"}]],
             "routes":[{"dst":"0.0.0.0/0"}]}},{"type":"portmap","capabilities":{"portMappings":true}}]}
            """, capArgs: #"{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}"#),
        Case(description: "loopback at 0.4.0", conflist: #"{"cniVersion":"0.4.0","name":"eqlo","plugins":[{"type":"loopback"}]}"#),
    ]

    @Test(arguments: cases)
    func sameResultAsDirect(_ c: Case) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("cnitool-eq-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        for side in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(work)/\(side)/conf", withIntermediateDirectories: true)
            try c.conflist.replacingOccurrences(of: "DATADIR", with: "\(work)/\(side)/ipam")
                .write(toFile: "\(work)/\(side)/conf/10-net.conflist", atomically: true, encoding: .utf8)
        }
        let list = try #require(jsonObject(c.conflist.replacingOccurrences(of: "DATADIR", with: "\(work)/b/ipam")))
        let plugins = try #require(list["plugins"] as? [[String: Any]])
        let name = list["name"] as! String

        try withTestNamespaces(4, prefix: "eq") { ns in
            let (nodeA, ctrA, nodeB, ctrB) = (ns[0], ns[1], ns[2], ns[3])
            // Through cnitool.
            let env = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_PATH": Binaries.referenceDirectory,
                       "NETCONFPATH": "\(work)/a/conf", "CAP_ARGS": c.capArgs]
            let tool = [CNIToolCLITests.binary, "--cache-dir", "\(work)/a/cache"]
            let add = try nodeA.run(tool + ["add", name, ctrA.path], environment: env)
            #expect(add.status == 0, "\(add.stderr)")
            let viaTool = try #require(jsonObject(add.stdout))

            // Directly, one plugin after the other.
            let caps = jsonObject(c.capArgs.isEmpty ? "{}" : c.capArgs) ?? [:]
            var prev: [String: Any]?
            var requests: [[String: Any]] = []
            for plugin in plugins {
                var request = plugin
                request["name"] = name
                request["cniVersion"] = list["cniVersion"]
                if let prev { request["prevResult"] = prev }
                let declared = (plugin["capabilities"] as? [String: Bool] ?? [:]).filter(\.value).keys
                let rc = caps.filter { declared.contains($0.key) }
                if !rc.isEmpty { request["runtimeConfig"] = rc }
                requests.append(request)
                let text = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
                let out = try PluginRunner(binary: Binaries.referenceDirectory + "/" + (plugin["type"] as! String), host: nodeB,
                                           cniPath: Binaries.referenceDirectory)
                    .run("ADD", config: text, netns: ctrB.path, containerID: "direct")
                #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
                prev = jsonObject(out.stdout)
            }
            let direct = try #require(prev)
            for ip in viaTool["ips"] as? [[String: Any]] ?? [] where viaTool["cniVersion"] as? String == "0.4.0" {
                #expect(ip["version"] as? String == ((ip["address"] as? String)?.contains(":") == true ? "6" : "4"))
            }
            #expect(Self.normalized(viaTool, netns: ctrA.path) == Self.normalized(direct, netns: ctrB.path))

            // CHECK has the same outcome both ways. (Debian's portmap 1.1.1 fails CHECK of any
            // dual-stack attachment: it looks for the IPv4 DNAT rules in the IPv6 table.)
            let check = try nodeA.run(tool + ["check", name, ctrA.path], environment: env)
            var directCheck: CommandOutput?
            for request in requests {
                var request = request
                request["prevResult"] = direct
                let text = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
                let out = try PluginRunner(binary: Binaries.referenceDirectory + "/" + (request["type"] as! String), host: nodeB,
                                           cniPath: Binaries.referenceDirectory)
                    .run("CHECK", config: text, netns: ctrB.path, containerID: "direct")
                if out.status != 0 { directCheck = out; break }
            }
            #expect(check.status == (directCheck == nil ? 0 : 1), "\(check.stderr)")
            if let directCheck, let msg = jsonObject(directCheck.stdout)?["msg"] as? String {
                #expect(check.stderr.hasPrefix(String(msg.prefix(25))), "\(check.stderr) vs \(msg)")
            }

            // DEL through cnitool, and directly in reverse.
            let del = try nodeA.run(tool + ["del", name, ctrA.path], environment: env)
            #expect(del.status == 0, "\(del.stderr)")
            for var request in requests.reversed() {
                request["prevResult"] = direct
                let text = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
                let out = try PluginRunner(binary: Binaries.referenceDirectory + "/" + (request["type"] as! String), host: nodeB,
                                           cniPath: Binaries.referenceDirectory)
                    .run("DEL", config: text, netns: ctrB.path, containerID: "direct")
                #expect(out.status == 0, "\(out.stdout)")
            }
            let (linksA, linksB) = (try ctrA.ipJSON(["link"]).count, try ctrB.ipJSON(["link"]).count)
            #expect(linksA == linksB)
            #expect(!FileManager.default.fileExists(atPath: "\(work)/a/cache/results/\(name)-\(CNIToolConventions.containerID(netnsPath: ctrA.path))-eth0"))
        }
    }

    /// The result with random and per-side values replaced.
    static func normalized(_ result: [String: Any], netns: String) -> String {
        var r = result
        // Debian's loopback 1.1.1 labels a 1.0-shaped result as 0.4.0, without "version" in its
        // IPs; a runtime reads it as 0.4.0 and prints the versions. Compare without them.
        if let ips = r["ips"] as? [[String: Any]] {
            r["ips"] = ips.map { $0.filter { $0.key != "version" } }
        }
        if let interfaces = r["interfaces"] as? [[String: Any]] {
            r["interfaces"] = interfaces.map { i -> [String: Any] in
                var i = i
                if i["mac"] != nil { i["mac"] = "MAC" }
                if (i["name"] as? String)?.hasPrefix("veth") == true { i["name"] = "VETH" }
                if i["sandbox"] as? String == netns { i["sandbox"] = "NETNS" }
                return i
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: r, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
