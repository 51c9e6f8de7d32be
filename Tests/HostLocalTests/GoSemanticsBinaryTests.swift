import CNITestSupport
import Foundation
import Testing

/// Go's `encoding/json` rules through the built binaries (host-local never enters a namespace,
/// so it runs here without one), each config beside Debian's reference when it is installed:
/// the same text must give the same outcome and the same leases in the same place.
@Suite struct GoSemanticsBinaryTests {
    /// Runs `config` (with `@DATA@` replaced by a fresh data dir) through `binary`.
    func run(_ config: String, _ binary: String, command: String = "ADD") throws -> (out: CommandOutput, dir: String, files: [String]) {
        // Never the default data dir: the machine's /var/lib/cni is not a test's to touch.
        precondition(config.contains("\"@DATA@\""), "a test config must name its data dir")
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let text = config.replacingOccurrences(of: "@DATA@", with: dir.path)
        let out = try PluginRunner(binary: binary, cniPath: "/usr/lib/cni").run(
            command, config: text, netns: "/var/run/netns/hostlocal-test-none")
        let files = (FileManager.default.subpaths(atPath: dir.path) ?? []).filter { !$0.contains(".swift-cni") }.sorted()
        return (out, dir.path, files)
    }

    /// Ours, and the reference's when installed, must agree on success, the result and the leases.
    func sameAsReference(_ config: String) throws -> [String: Any]? {
        let ours = try run(config, HostLocalRun.ours)
        guard HostLocalRun.referenceAvailable else { return jsonObject(ours.out.stdout) }
        let reference = try run(config, HostLocalRun.reference)
        #expect(ours.out.succeeded == reference.out.succeeded, "ours: \(ours.out.stdout) reference: \(reference.out.stdout)")
        if ours.out.succeeded {
            #expect(NSDictionary(dictionary: jsonObject(ours.out.stdout) ?? [:]) == NSDictionary(dictionary: jsonObject(reference.out.stdout) ?? [:]))
            #expect(ours.files == reference.files)
        }
        return ours.out.succeeded ? jsonObject(ours.out.stdout) : nil
    }

    @Test func keysFoldNullsKeepDefaultsAndRepeatedSectionsMerge() throws {
        let config = #"""
            {"CNIVersion":"0.4.0","Name":"net1","type":"bridge",
             "IPAM":{"Type":"host-local","DATADIR":"@DATA@","Ranges":[[{"Subnet":"10.40.0.0/24","RangeStart":"10.40.0.9","gateway":null}]],
                     "routes":null,"resolvConf":null},
             "ipam":{"ROUTES":[{"DST":"0.0.0.0/0","GW":"10.40.0.1"}]}}
            """#
        let result = try sameAsReference(config)
        // The version came from "CNIVersion": a 0.4.0 result.
        #expect(result?["cniVersion"] as? String == "0.4.0")
        #expect(addresses(result ?? [:]) == ["10.40.0.9/24"])
        #expect((result?["ips"] as? [[String: Any]])?.first?["version"] as? String == "4")
        #expect((result?["routes"] as? [[String: Any]])?.first?["gw"] as? String == "10.40.0.1")
        // The lease went to the data dir named by "DATADIR".
        #expect(try run(config, HostLocalRun.ours).files.contains("net1/10.40.0.9"))
    }

    /// Go decodes a repeated `ranges` over the range it already holds: the first one's gateway
    /// stays on the second one's subnet.
    @Test func aRepeatedArrayMergesElementWiseAsGoDoes() throws {
        let config = #"""
            {"cniVersion":"1.0.0","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"@DATA@",
             "ranges":[[{"subnet":"10.41.0.0/24","gateway":"10.41.0.254"}]],"ranges":[[{"subnet":"10.42.0.0/24"}]]}}
            """#
        let result = try sameAsReference(config)
        #expect(addresses(result ?? [:]) == ["10.42.0.1/24"])
        #expect((result?["ips"] as? [[String: Any]])?.first?["gateway"] as? String == "10.41.0.254")
    }

    /// Invalid UTF-8 is repaired, not refused: a data dir with a stray byte is the same directory
    /// for both (U+FFFD in its name); so is an unpaired surrogate escape elsewhere.
    @Test func invalidUTF8IsRepairedAsGoRepairsIt() throws {
        var binaries = [HostLocalRun.ours]
        if HostLocalRun.referenceAvailable { binaries.append(HostLocalRun.reference) }
        for binary in binaries {
            let dir = TemporaryDirectory()
            defer { dir.cleanup() }
            let head = #"{"cniVersion":"1.0.0","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"\#(dir.path)/d"#
            let tail = #"x","subnet":"10.43.0.0/24"},"args":{"junk":"\ud800"}}"#
            let out = try Command.run(
                [binary],
                environment: [
                    "CNI_COMMAND": "ADD", "CNI_CONTAINERID": "ctr1", "CNI_NETNS": "/var/run/netns/none", "CNI_IFNAME": "eth0",
                    "CNI_PATH": "/usr/lib/cni",
                ],
                stdin: Array(head.utf8) + [0xFF] + Array(tail.utf8))
            #expect(out.succeeded, "\(binary): \(out.stdout)")
            #expect(FileManager.default.fileExists(atPath: dir.path + "/d\u{FFFD}x/net1/10.43.0.2"), "\(binary)")
        }
    }

    /// Integers take integer literals only: a route's `mtu` of `1400.0` is refused (code 6; the
    /// reference HEAD refuses it too, Debian's 1.1.1 has no route `mtu` and ignores the key).
    @Test func integerOptionsRefuseFractions() throws {
        let config = #"""
            {"cniVersion":"1.0.0","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"@DATA@","subnet":"10.44.0.0/24",
             "routes":[{"dst":"0.0.0.0/0","mtu":1400.0}]}}
            """#
        let ours = try run(config, HostLocalRun.ours)
        #expect(failure(ours.out)?.code == 6)
        #expect(failure(ours.out)?.msg == #"network config: "ipam.routes.0.mtu" must be an integer, found 1400.0"#)
        #expect(ours.files.isEmpty)
        let integral = try run(config.replacingOccurrences(of: "1400.0", with: "1400"), HostLocalRun.ours)
        #expect(addresses(jsonObject(integral.out.stdout) ?? [:]) == ["10.44.0.2/24"])
    }

    /// 10000 levels of nesting are read (an unknown key's value here); one more is refused with
    /// Go's message, code 6, by both.
    @Test func nestingStopsAtGosLimit() throws {
        func config(_ depth: Int) -> String {
            // The document and "args" are two levels; the rest are arrays.
            let arrays = depth - 2
            return #"{"cniVersion":"1.0.0","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"@DATA@","subnet":"10.45.0.0/24"},"args":{"deep":"#
                + String(repeating: "[", count: arrays) + String(repeating: "]", count: arrays) + "}}"
        }
        #expect(addresses(try sameAsReference(config(10000)) ?? [:]) == ["10.45.0.2/24"])
        #expect(try sameAsReference(config(10001)) == nil)
        let ours = try run(config(10001), HostLocalRun.ours)
        #expect(failure(ours.out)?.code == 6)
        #expect(failure(ours.out)?.msg.hasPrefix("error unmarshall network config: invalid character '[' exceeded max depth") == true)
    }

    /// host-local's Go struct has none of the spec's other keys, so a mistyped `dns` does not fail it.
    @Test func specKeysHostLocalDoesNotReadAreNotItsBusiness() throws {
        let config = #"""
            {"cniVersion":"1.0.0","name":"net1","type":"bridge","dns":5,"capabilities":[],
             "ipam":{"type":"host-local","dataDir":"@DATA@","subnet":"10.46.0.0/24"}}
            """#
        #expect(addresses(try sameAsReference(config) ?? [:]) == ["10.46.0.2/24"])
    }
}
