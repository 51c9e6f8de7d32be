import CNI
import CNIRuntime
import CNITestSupport
import Foundation
import Testing

/// Replays the scenarios recorded from real libcni (scripts/libcni-compat.sh, Debian's libcni
/// 1.1.2) with our runtime and compares byte for byte: every plugin's stdin and CNI_* variables,
/// the cache file, the printed result. libcni 1.1.2 writes no "netns" member (libcni ≥ 1.2 does,
/// and so do we); it is the only difference allowed.
@Suite struct LibcniCompatibilityTests {
    struct Scenario: Sendable, CustomStringConvertible {
        var name: String
        var description: String { name }
        var dir: String { FakeNode.fixtures + "/" + name }
        var env: [String: String] {
            let text = (try? String(contentsOfFile: dir + "/env", encoding: .utf8)) ?? ""
            var out: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let kv = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                out[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
            }
            return out
        }

        func node() throws -> FakeNode {
            let node = try FakeNode()
            for file in try FileManager.default.contentsOfDirectory(atPath: dir + "/bin") {
                try node.plugin((file as NSString).deletingPathExtension)
                try FileManager.default.copyItem(atPath: dir + "/bin/" + file, toPath: node.bin + "/" + file)
            }
            return node
        }

        func attachment() throws -> NetworkAttachment {
            let netns = CNIToolConventions.netnsPath(env["NETNS"]!)
            let ifName = env["CNI_IFNAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "eth0"
            return NetworkAttachment(
                containerID: CNIToolConventions.containerID(netnsPath: netns), netns: netns, ifName: ifName,
                args: try CNIToolConventions.parseCNIArgs(env["CNI_ARGS"] ?? ""),
                capabilityArgs: try CNIToolConventions.parseCapabilityArgs(env["CAP_ARGS"] ?? ""))
        }

        func network() throws -> NetworkConfigList {
            try NetworkConfigLoader(directory: dir + "/net.d").load(name: env["NETWORK"]!).list
        }

        /// The recorded calls of libcni (`libcni/calls`).
        func recordedCalls(_ sub: String = "libcni") throws -> [(name: String, stdin: [UInt8], env: String)] {
            let calls = dir + "/\(sub)/calls"
            return try FileManager.default.contentsOfDirectory(atPath: calls).filter { $0.hasSuffix(".stdin") }.sorted().map {
                let base = String($0.dropLast(6))
                return (
                    base, [UInt8](try Data(contentsOf: URL(fileURLWithPath: calls + "/" + $0))),
                    try String(contentsOfFile: calls + "/" + base + ".env", encoding: .utf8)
                )
            }
        }

        func fixture(_ name: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/libcni/" + name)))
        }
    }

    static let scenarios = [Scenario(name: "chain"), Scenario(name: "single")]

    @Test("ADD, CHECK, DEL send libcni's exact stdin and environment, and cache libcni's file", arguments: scenarios)
    func replay(_ s: Scenario) throws {
        let node = try s.node()
        let runtime = node.runtime
        let network = try s.network()
        let attachment = try s.attachment()

        let result = try runtime.add(network, attachment)
        #expect(try result.printed(version: result.cniVersion) == s.fixture("add.stdout"))
        let cached = node.cachedFiles
        #expect(cached.count == 1)
        let ours = String(decoding: try Data(contentsOf: URL(fileURLWithPath: node.cache + "/results/" + cached[0])), as: UTF8.self)
        #expect(ours.contains(",\"netns\":\"\(attachment.netns)\""))
        let withoutNetns = ours.replacingOccurrences(of: ",\"netns\":\"\(attachment.netns)\"", with: "")
        #expect(withoutNetns == String(decoding: try s.fixture("cache-after-add"), as: UTF8.self))
        let mode = try FileManager.default.attributesOfItem(atPath: node.cache + "/results/" + cached[0])[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let dirMode = try FileManager.default.attributesOfItem(atPath: node.cache + "/results")[.posixPermissions] as? Int
        #expect(dirMode == 0o700)

        let checkError = String(decoding: try s.fixture("check.stderr"), as: UTF8.self).trimmingCharacters(in: .newlines)
        if checkError.isEmpty {
            try runtime.check(network, attachment)
        } else {
            let error = #expect(throws: RuntimeError.self) { try runtime.check(network, attachment) }
            #expect(error?.message.hasPrefix(checkError) == true)
        }
        try runtime.delete(network, attachment)
        #expect(node.cachedFiles.isEmpty)

        let recorded = try s.recordedCalls()
        let calls = node.calls
        #expect(calls.count == recorded.count)
        for (call, want) in zip(calls, recorded) {
            #expect("\(call.type)-\(call.command)" == want.name.split(separator: "-").dropFirst().joined(separator: "-"))
            #expect(call.text == String(decoding: want.stdin, as: UTF8.self), "stdin of \(want.name)")
            var env = call.env
            env["CNI_PATH"] = "<bin>"
            let text = env.keys.sorted().map { "\($0)=\(env[$0]!)" }.joined(separator: "\n") + "\n"
            #expect(text == want.env, "environment of \(want.name)")
        }
    }

    @Test("DEL of an attachment libcni added reads its cache file and sends libcni's DEL", arguments: scenarios)
    func deleteFromLibcniCache(_ s: Scenario) throws {
        let node = try s.node()
        let network = try s.network()
        let attachment = try s.attachment()
        let file = try node.runtime.cache.path(network: network.name, containerID: attachment.containerID, ifName: attachment.ifName)
        try FileManager.default.createDirectory(atPath: node.cache + "/results", withIntermediateDirectories: true)
        try Data(s.fixture("cache-after-add")).write(to: URL(fileURLWithPath: file))

        let entry = try #require(try node.runtime.cache.entry(network: network.name, containerID: attachment.containerID, ifName: attachment.ifName))
        #expect(entry.config == network.bytes)
        #expect(entry.netns == nil)  // libcni 1.1.2 does not record it

        try node.runtime.delete(network, attachment)
        #expect(node.cachedFiles.isEmpty)
        let wanted = try s.recordedCalls().filter { $0.name.hasSuffix("-DEL") }
        #expect(node.calls.map(\.text) == wanted.map { String(decoding: $0.stdin, as: UTF8.self) })
    }

    @Test("libcni, given the cache file our cnitool wrote, sends the same CHECK and DEL as after its own ADD", arguments: scenarios)
    func libcniReadsOurCache(_ s: Scenario) throws {
        // Recorded by scripts/libcni-compat.sh: our cnitool ADD, then libcni CHECK and DEL.
        let afterOurs = try s.recordedCalls("libcni-after-swift")
        let afterItsOwn = try s.recordedCalls()
        #expect(afterOurs.map(\.name) == afterItsOwn.map(\.name))
        for (a, b) in zip(afterOurs, afterItsOwn) {
            #expect(a.stdin == b.stdin, "\(a.name)")
        }
        // And that cache file is what our cache writes today.
        let node = try s.node()
        let network = try s.network()
        let attachment = try s.attachment()
        _ = try node.runtime.add(network, attachment)
        let ours = try Data(contentsOf: URL(fileURLWithPath: node.cache + "/results/" + node.cachedFiles[0]))
        let recorded = try Data(contentsOf: URL(fileURLWithPath: s.dir + "/libcni-after-swift/cache-after-add"))
        #expect(ours == recorded)
    }
}
