import CNI
import CNIRuntime
import CNITestSupport
import Foundation
import Testing

/// The runtime's rules, pinned with recording fake plugins: what each plugin receives, in which
/// order, what is cached, and how failures are reported.
@Suite struct RuntimeBehaviourTests {
    let attachment = NetworkAttachment(containerID: "ctr1", netns: "/var/run/netns/x", ifName: "eth0")

    /// A three-plugin list: a (declares portMappings and mac=false), b (declares bandwidth), c.
    func chain(_ node: FakeNode, version: String = "1.0.0", extra: String = "") throws -> NetworkConfigList {
        try node.plugin("fakea", result: fakeResult(version))
        try node.plugin("fakeb", result: fakeResult(version, address: "10.1.2.4/24"))
        try node.plugin("fakec", result: fakeResult(version, address: "10.1.2.5/24"))
        try node.config("10-net.conflist", """
            {"cniVersion": "\(version)", "name": "net"\(extra), "plugins": [
              {"type": "fakea", "capabilities": {"portMappings": true, "mac": false}, "runtimeConfig": {"old": 1}},
              {"type": "fakeb", "name": "bee", "capabilities": {"bandwidth": true}},
              {"type": "fakec"}]}
            """)
        return try node.load("net")
    }

    @Test func injectedKeysAndEnvironment() throws {
        let node = try FakeNode()
        let net = try chain(node)
        var a = attachment
        a.args = try CNIToolConventions.parseCNIArgs("IgnoreUnknown=1;IP=10.1.2.3")
        let result = try node.runtime.add(net, a)
        #expect(result.ips.map(\.address.description) == ["10.1.2.5/24"])  // the last plugin's result
        let calls = node.calls
        #expect(calls.map(\.type) == ["fakea", "fakeb", "fakec"])
        for call in calls {
            #expect(call.json["name"] as? String == "net")
            #expect(call.json["cniVersion"] as? String == "1.0.0")
            #expect(call.env["CNI_COMMAND"] == "ADD")
            #expect(call.env["CNI_CONTAINERID"] == "ctr1")
            #expect(call.env["CNI_NETNS"] == "/var/run/netns/x")
            #expect(call.env["CNI_IFNAME"] == "eth0")
            #expect(call.env["CNI_ARGS"] == "IgnoreUnknown=1;IP=10.1.2.3")
            #expect(call.env["CNI_PATH"] == node.bin)
        }
        #expect(calls[0].json["prevResult"] == nil)  // first plugin of an ADD
        let prev1 = try #require(calls[1].json["prevResult"] as? [String: Any])
        #expect((prev1["ips"] as? [[String: Any]])?.first?["address"] as? String == "10.1.2.3/24")
        let prev2 = try #require(calls[2].json["prevResult"] as? [String: Any])
        #expect((prev2["ips"] as? [[String: Any]])?.first?["address"] as? String == "10.1.2.4/24")
        #expect(calls[1].json["capabilities"] != nil)  // passed through, as libcni does
    }

    @Test func capabilityFiltering() throws {
        let node = try FakeNode()
        let net = try chain(node)
        var a = attachment
        a.capabilityArgs = try CNIToolConventions.parseCapabilityArgs(
            #"{"portMappings":[{"hostPort":8080,"containerPort":80}],"mac":"c2:11:22:33:44:55","ips":["10.9.9.9"]}"#)
        _ = try node.runtime.add(net, a)
        let calls = node.calls
        // fakea declares portMappings (true) and mac (false): only portMappings, and it replaces
        // the static runtimeConfig.
        let rc = try #require(calls[0].json["runtimeConfig"] as? [String: Any])
        #expect(Set(rc.keys) == ["portMappings"])
        // fakeb declares bandwidth, which the runtime did not provide: its config is untouched.
        #expect(calls[1].json["runtimeConfig"] == nil)
        #expect(calls[2].json["runtimeConfig"] == nil)
        // With no matching capability, a static runtimeConfig stays.
        try node.clearLog()
        _ = try node.runtime.add(net, attachment)
        #expect((node.calls[0].json["runtimeConfig"] as? [String: Any])?["old"] as? Int == 1)
    }

    @Test func deleteRunsInReverseWithTheCachedResult() throws {
        let node = try FakeNode()
        let net = try chain(node)
        _ = try node.runtime.add(net, attachment)
        #expect(node.cachedFiles == ["net-ctr1-eth0"])
        try node.clearLog()
        try node.runtime.delete(net, attachment)
        let calls = node.calls
        #expect(calls.map(\.type) == ["fakec", "fakeb", "fakea"])
        #expect(calls.allSatisfy { $0.env["CNI_COMMAND"] == "DEL" })
        for call in calls {
            let prev = try #require(call.json["prevResult"] as? [String: Any])
            #expect((prev["ips"] as? [[String: Any]])?.first?["address"] as? String == "10.1.2.5/24")  // the final result
        }
        #expect(node.cachedFiles.isEmpty)
        // DEL again: nothing cached, no prevResult, still success.
        try node.clearLog()
        try node.runtime.delete(net, attachment)
        #expect(node.calls.allSatisfy { $0.json["prevResult"] == nil })
    }

    @Test func deleteFailureKeepsTheCacheAndStops() throws {
        let node = try FakeNode()
        let net = try chain(node)
        _ = try node.runtime.add(net, attachment)
        try node.fail("fakeb", "DEL", code: 11, msg: "busy", details: "try later")
        try node.clearLog()
        let error = #expect(throws: RuntimeError.self) { try node.runtime.delete(net, attachment) }
        #expect(error?.message == #"plugin type="fakeb" name="bee" failed (delete): busy; try later"#)
        #expect(error?.cause?.code == 11)
        #expect(node.calls.map(\.type) == ["fakec", "fakeb"])
        #expect(node.cachedFiles == ["net-ctr1-eth0"])
    }

    @Test func checkInOrderWithCachedResult_andSkippedWithDisableCheck() throws {
        let node = try FakeNode()
        let net = try chain(node)
        _ = try node.runtime.add(net, attachment)
        try node.clearLog()
        try node.runtime.check(net, attachment)
        #expect(node.calls.map(\.type) == ["fakea", "fakeb", "fakec"])
        #expect(node.calls.allSatisfy { $0.env["CNI_COMMAND"] == "CHECK" && $0.json["prevResult"] != nil })

        let disabled = try chain(node, extra: #", "disableCheck": "TRUE""#)
        try node.clearLog()
        try node.runtime.check(disabled, attachment)
        #expect(node.calls.isEmpty)
    }

    @Test func checkErrors() throws {
        let node = try FakeNode()
        let net = try chain(node)
        // Nothing added: refused before any plugin runs.
        let notAdded = #expect(throws: RuntimeError.self) { try node.runtime.check(net, attachment) }
        #expect(notAdded?.message.contains("was it added?") == true)
        #expect(node.calls.isEmpty)
        // A plugin's CHECK error comes back unwrapped, as libcni returns it.
        _ = try node.runtime.add(net, attachment)
        try node.fail("fakeb", "CHECK", code: 100, msg: "interface eth0 is gone")
        let failed = #expect(throws: RuntimeError.self) { try node.runtime.check(net, attachment) }
        #expect(failed?.message == "interface eth0 is gone")
        // Lists before 0.4.0 cannot CHECK.
        let old = try chain(node, version: "0.3.1")
        let tooOld = #expect(throws: RuntimeError.self) { try node.runtime.check(old, attachment) }
        #expect(tooOld?.message.hasPrefix(#"configuration version "0.3.1" does not support the CHECK command"#) == true)
    }

    @Test func addFailureWrapsAndCachesNothing() throws {
        let node = try FakeNode()
        let net = try chain(node)
        try node.fail("fakeb", "ADD", code: 7, msg: "bad subnet", details: "10.0.0.0/33")
        let error = #expect(throws: RuntimeError.self) { try node.runtime.add(net, attachment) }
        #expect(error?.message == #"plugin type="fakeb" name="bee" failed (add): bad subnet; 10.0.0.0/33"#)
        #expect(error?.cause?.code == 7)
        #expect(node.calls.map(\.type) == ["fakea", "fakeb"])  // stops at the first failure
        #expect(node.cachedFiles.isEmpty)
    }

    @Test func pluginNotOnPathIsNamed() throws {
        let node = try FakeNode()
        try node.config("10-net.conflist", #"{"cniVersion":"1.0.0","name":"net","plugins":[{"type":"nosuch"}]}"#)
        let error = #expect(throws: RuntimeError.self) { try node.runtime.add(node.load("net"), attachment) }
        #expect(error?.message == #"plugin type="nosuch" failed (add): failed to find plugin "nosuch" in path [\#(node.bin)]"#)
        #expect(node.cachedFiles.isEmpty)
    }

    @Test func brokenPluginOutput() throws {
        let node = try FakeNode()
        try node.plugin("fakea", result: "not json")
        try node.config("10-net.conflist", #"{"cniVersion":"1.0.0","name":"net","plugins":[{"type":"fakea"}]}"#)
        let error = #expect(throws: RuntimeError.self) { try node.runtime.add(node.load("net"), attachment) }
        #expect(error?.message.hasPrefix(#"plugin type="fakea" failed (add): failed to unmarshal raw result"#) == true)
        #expect(node.cachedFiles.isEmpty)
    }

    @Test func invalidNamesAreRefusedBeforeExec() throws {
        let node = try FakeNode()
        let net = try chain(node)
        var a = attachment
        a.ifName = "../../etc"
        let error = #expect(throws: RuntimeError.self) { try node.runtime.add(net, a) }
        #expect(error?.message == #"plugin type="fakea" failed (add): interface name contains / or : or whitespace characters"#)
        #expect(node.calls.isEmpty)
        #expect(node.cachedFiles.isEmpty)
    }

    @Test func gcDeletesStaleAttachmentsThenSendsValidList() throws {
        let node = try FakeNode()
        let net = try chain(node, version: "1.1.0")
        var keep = attachment
        keep.containerID = "keep"
        var stale = attachment
        stale.containerID = "stale"
        stale.netns = "/var/run/netns/stale"
        stale.capabilityArgs = ["portMappings": [["hostPort": 80, "containerPort": 80]]]
        _ = try node.runtime.add(net, keep)
        _ = try node.runtime.add(net, stale)
        try node.clearLog()

        let deleted = try node.runtime.gc(net, validAttachments: [keep.validAttachment])
        #expect(deleted.map(\.containerID) == ["stale"])
        #expect(node.cachedFiles == ["net-keep-eth0"])
        let calls = node.calls
        #expect(calls.map { "\($0.type) \($0.command)" } == ["fakec DEL", "fakeb DEL", "fakea DEL", "fakea GC", "fakeb GC", "fakec GC"])
        // The stale DEL replays what the attachment was added with.
        #expect(calls[2].env["CNI_NETNS"] == "/var/run/netns/stale")
        #expect(calls[2].json["runtimeConfig"] != nil)
        for gc in calls[3...] {
            let valid = try #require(gc.json["cni.dev/valid-attachments"] as? [[String: String]])
            #expect(valid == [["containerID": "keep", "ifname": "eth0"]])
            #expect(gc.json["cni.dev/attachments"] as? [[String: String]] == valid)
            #expect(gc.env["CNI_CONTAINERID"] == "" && gc.env["CNI_NETNS"] == "" && gc.env["CNI_IFNAME"] == "")
            #expect(gc.json["prevResult"] == nil)
        }

        // Upstream cnitool gc: nothing valid, no key at all.
        try node.clearLog()
        try node.runtime.gc(net, validAttachments: nil)
        #expect(node.cachedFiles.isEmpty)
        #expect(node.calls.filter { $0.command == "GC" }.allSatisfy { $0.json["cni.dev/valid-attachments"] == nil })
    }

    @Test func gcRespectsDisableGCAndOldVersions() throws {
        let node = try FakeNode()
        let disabled = try chain(node, version: "1.1.0", extra: #", "disableGC": true"#)
        _ = try node.runtime.add(disabled, attachment)
        try node.clearLog()
        try node.runtime.gc(disabled, validAttachments: nil)
        #expect(node.calls.isEmpty)
        #expect(node.cachedFiles.count == 1)
        // Before 1.1.0: stale attachments are deleted, but no plugin is sent GC.
        let old = try chain(node, version: "1.0.0")
        try node.runtime.gc(old, validAttachments: [])
        #expect(node.calls.map(\.command) == ["DEL", "DEL", "DEL"])
        #expect(node.cachedFiles.isEmpty)
    }

    @Test func gcCollectsEveryError() throws {
        let node = try FakeNode()
        let net = try chain(node, version: "1.1.0")
        try node.fail("fakea", "GC", msg: "a broke")
        try node.fail("fakec", "GC", msg: "c broke")
        let error = #expect(throws: RuntimeError.self) { try node.runtime.gc(net, validAttachments: []) }
        #expect(error?.message == "failed to GC plugin fakea: a broke\nfailed to GC plugin fakec: c broke")
        #expect(node.calls.map(\.type) == ["fakea", "fakeb", "fakec"])
    }

    @Test func statusInOrderFirstErrorUnwrapped() throws {
        let node = try FakeNode()
        let net = try chain(node, version: "1.1.0")
        try node.runtime.status(net)
        #expect(node.calls.map { "\($0.type) \($0.command)" } == ["fakea STATUS", "fakeb STATUS", "fakec STATUS"])
        #expect(node.calls.allSatisfy { $0.json["name"] as? String == "net" && $0.env["CNI_CONTAINERID"] == "" })
        try node.fail("fakeb", "STATUS", code: 50, msg: "no free addresses")
        try node.clearLog()
        let error = #expect(throws: RuntimeError.self) { try node.runtime.status(net) }
        #expect(error?.message == "no free addresses")
        #expect(error?.cause?.code == 50)
        #expect(node.calls.map(\.type) == ["fakea", "fakeb"])
        // Before 1.1.0 there is no STATUS: success without running anything.
        try node.clearLog()
        try node.runtime.status(try chain(node, version: "1.0.0"))
        #expect(node.calls.isEmpty)
    }

    @Test func cniVersionsNegotiatedWithThePlugins() throws {
        let node = try FakeNode()
        _ = try chain(node)
        let upTo100 = #"{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0"]}"#
        try node.plugin("fakeb", versions: upTo100)
        try node.config("10-net.conflist", """
            {"cniVersion": "0.4.0", "cniVersions": ["1.0.0", "1.1.0", "9.0.0"], "name": "net",
             "plugins": [{"type": "fakea"}, {"type": "fakeb"}, {"type": "fakea"}]}
            """)
        let list = try node.load("net")
        #expect(list.cniVersion == "1.1.0")  // libcni's pick: the highest it implements
        let negotiated = try node.runtime.negotiateVersion(list)
        #expect(negotiated.cniVersion == "1.0.0")  // the highest every plugin speaks
        #expect(node.calls.map { "\($0.type) \($0.command)" } == ["fakea VERSION", "fakeb VERSION"])  // once per type
        #expect(node.calls[0].text == #"{"cniVersion":"1.1.0"}"#)
        #expect(node.calls[0].env["CNI_NETNS"] == "dummy")

        try node.plugin("fakeb", versions: #"{"cniVersion":"0.3.1","supportedVersions":["0.3.1"]}"#)
        let error = #expect(throws: RuntimeError.self) { try node.runtime.negotiateVersion(list) }
        #expect(error?.message.contains("fakeb supports [0.3.1]") == true)

        // Without cniVersions no plugin is asked.
        try node.clearLog()
        let plain = try chain(node)
        #expect(try node.runtime.negotiateVersion(plain) == plain)
        #expect(node.calls.isEmpty)
    }

    @Test func versionProbeOfAPluginWithoutVERSION() throws {
        let node = try FakeNode()
        try node.plugin("old")
        try node.fail("old", "VERSION", code: 4, msg: "unknown CNI_COMMAND: VERSION")
        #expect(try node.runtime.versionInfo(pluginType: "old").supportedVersions == ["0.1.0"])
    }

    @Test func legacyAndCorruptCacheFiles() throws {
        let node = try FakeNode()
        let net = try chain(node)
        let path = try node.runtime.cache.path(network: "net", containerID: "ctr1", ifName: "eth0")
        try FileManager.default.createDirectory(atPath: node.cache + "/results", withIntermediateDirectories: true)
        // Legacy cache: the bare result, as libcni before cniCacheV1 wrote it.
        try fakeResult("0.4.0", address: "10.7.7.7/24").write(toFile: path, atomically: true, encoding: .utf8)
        try node.runtime.check(net, attachment)
        let prev = try #require(node.calls[0].json["prevResult"] as? [String: Any])
        #expect(prev["cniVersion"] as? String == "1.0.0")  // converted to the list's version
        #expect((prev["ips"] as? [[String: Any]])?.first?["address"] as? String == "10.7.7.7/24")
        // Unreadable: DEL drops it and goes on without prevResult (libcni main).
        try "{\"kind\":\"cniCacheV1\",\"result\":{\"cniVersion\":\"7.7.7\"}}".write(toFile: path, atomically: true, encoding: .utf8)
        try node.clearLog()
        try node.runtime.delete(net, attachment)
        #expect(node.calls.count == 3 && node.calls.allSatisfy { $0.json["prevResult"] == nil })
        #expect(node.cachedFiles.isEmpty)
    }

    @Test func cacheRefusesPathsOutsideItself() throws {
        let cache = ResultCache(directory: "/tmp/x")
        #expect(throws: RuntimeError.self) { try cache.path(network: "net", containerID: "../../etc", ifName: "eth0") }
        #expect(throws: RuntimeError.self) { try cache.path(network: "", containerID: "c", ifName: "eth0") }
        #expect(try cache.path(network: "net", containerID: "c", ifName: "eth0") == "/tmp/x/results/net-c-eth0")
    }
}
