import CNI
import Foundation
import NetAddress
import PluginKit
import Testing

@testable import Tuning

/// tuning's options (the reference's merge order of config, CNI_ARGS, runtimeConfig and args),
/// sysctl keys, the allowlist and the saved-values file format.
struct TuningConfigTests {
    static func config(_ members: String, cniArgs: String = "") throws -> TuningConfig {
        let text = #"{"cniVersion":"1.0.0","name":"t","type":"tuning""# + (members.isEmpty ? "" : "," + members) + "}"
        return try TuningConfig(NetworkConfig(bytes: Array(text.utf8)), cniArgs: CNIArgs(cniArgs))
    }

    static func failure(_ members: String) -> PluginError? {
        do {
            _ = try config(members)
            return nil
        } catch {
            return error as? PluginError
        }
    }

    @Test func nothingConfiguredChangesNothing() throws {
        let c = try Self.config("")
        #expect(!c.changesLink && c.sysctls.isEmpty && c.dataDir == "/run/cni/tuning")
        #expect(try Self.config(#""mtu":0,"promisc":false,"dataDir":"""#).changesLink == false)
    }

    @Test func everyOptionFromTheConfig() throws {
        let c = try Self.config(
            #""mac":"C2:11:22:33:44:55","mtu":1400,"promisc":true,"allmulti":false,"txQLen":0,"dataDir":"/tmp/x","#
                + #""sysctl":{"net.core.somaxconn":"500","net.ipv4.conf.IFNAME.arp_filter":"1"}"#)
        #expect(c.mac == MACAddress("c2:11:22:33:44:55") && c.macText == "C2:11:22:33:44:55")
        #expect(c.mtu == 1400 && c.promiscuous && c.allMulticast == false && c.txQueueLength == 0 && c.dataDir == "/tmp/x")
        #expect(c.sysctls.map(\.key) == ["net.core.somaxconn", "net.ipv4.conf.IFNAME.arp_filter"])
        #expect(c.changesLink)
    }

    @Test func macPrecedenceIsTheReferences() throws {
        // config < CNI_ARGS < runtimeConfig < args.cni
        #expect(try Self.config(#""mac":"02:00:00:00:00:01""#, cniArgs: "IgnoreUnknown=1;MAC=02:00:00:00:00:02").macText == "02:00:00:00:00:02")
        #expect(try Self.config(#""runtimeConfig":{"mac":"02:00:00:00:00:03"}"#, cniArgs: "MAC=02:00:00:00:00:02").macText == "02:00:00:00:00:03")
        #expect(try Self.config(
            #""runtimeConfig":{"mac":"02:00:00:00:00:03"},"args":{"cni":{"mac":"02:00:00:00:00:04"}}"#).macText == "02:00:00:00:00:04")
        // An empty runtimeConfig or CNI_ARGS MAC changes nothing; an empty args.cni.mac clears it.
        #expect(try Self.config(#""mac":"02:00:00:00:00:01","runtimeConfig":{"mac":""}"#, cniArgs: "MAC=").macText == "02:00:00:00:00:01")
        #expect(try Self.config(#""mac":"02:00:00:00:00:01","args":{"cni":{"mac":""}}"#).mac == nil)
    }

    @Test func argsOverrideAndSysctlsMerge() throws {
        let c = try Self.config(
            #""mtu":1400,"promisc":true,"sysctl":{"net.core.somaxconn":"500"},"#
                + #""args":{"cni":{"mtu":9000,"promisc":false,"allmulti":true,"txQLen":50,"sysctl":{"net.core.somaxconn":"600","net.ipv4.ip_forward":"1"}}}"#)
        #expect(c.mtu == 9000 && !c.promiscuous && c.allMulticast == true && c.txQueueLength == 50)
        #expect(c.sysctls.map { "\($0.key)=\($0.value)" } == ["net.core.somaxconn=600", "net.ipv4.ip_forward=1"])
        // args.cni.sysctl without a sysctl of the config's own (the reference HEAD's fix).
        #expect(try Self.config(#""args":{"cni":{"sysctl":{"net.ipv4.ip_forward":"1"}}}"#).sysctls.count == 1)
        // Go's rules: key case folds, null keeps the default.
        let folded = try Self.config(#""MTU":1300,"TXQLEN":7,"Args":{"CNI":{"Promisc":true}},"allmulti":null"#)
        #expect(folded.mtu == 1300 && folded.txQueueLength == 7 && folded.promiscuous && folded.allMulticast == nil)
    }

    @Test func refusals() throws {
        #expect(Self.failure(#""sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"}"#)?.message == "duplicated sysctl keys are not allowed")
        #expect(Self.failure(#""mac":"not-a-mac""#)?.kind == .invalidConfig)
        #expect(Self.failure(#""mtu":-1"#)?.kind == .invalidConfig)
        #expect(Self.failure(#""mtu":4294968696"#)?.kind == .invalidConfig)
        #expect(Self.failure(#""txQLen":-5"#)?.kind == .invalidConfig)
        #expect(Self.failure(#""mtu":"1400""#)?.kind == .decoding)
        #expect(Self.failure(#""sysctl":{"net.core.somaxconn":500}"#)?.kind == .decoding)
        #expect(Self.failure(#""sysctl":["x"]"#)?.kind == .decoding)
        #expect(PluginError(.invalidConfig, "x").cniError.code == .invalidNetworkConfig)
    }

    @Test func lenientReadingForDEL() throws {
        let text = #"{"cniVersion":"1.0.0","name":"t","type":"tuning","mtu":"bad","dataDir":"/tmp/d"}"#
        #expect(TuningConfig(lenient: try NetworkConfig(bytes: Array(text.utf8))).dataDir == "/tmp/d")
        let broken = #"{"cniVersion":"1.0.0","name":"t","type":"tuning","dataDir":5}"#
        #expect(TuningConfig(lenient: try NetworkConfig(bytes: Array(broken.utf8))).dataDir == "/run/cni/tuning")
    }

    @Test func sysctlKeysAsTheReferenceMapsThem() throws {
        #expect(try SysctlKey("net.ipv4.conf.IFNAME.arp_filter", ifName: "eth0.100").path == "net/ipv4/conf/eth0.100/arp_filter")
        #expect(try SysctlKey("net/ipv4/ip_forward", ifName: "eth0").path == "net/ipv4/ip_forward")
        #expect(try SysctlKey("net.core..somaxconn", ifName: "eth0").path == "net/core/somaxconn")
        // Only the first IFNAME is the interface.
        #expect(try SysctlKey("net.IFNAME.IFNAME", ifName: "e").path == "net/e/IFNAME")
        // Dots are separators, so ".." never climbs: it becomes two empty parts.
        #expect(try SysctlKey("net/../kernel/x", ifName: "e").path == "net/kernel/x")
        for bad in ["kernel.hostname", "net", "kernel/../net.x", "fs.file-max"] {
            #expect(throws: PluginError.self, "\(bad)") { try SysctlKey(bad, ifName: "eth0") }
        }
        #expect(TuningPlugin.sameSysctl("4096 131072\t6291456", "4096\t131072\t6291456"))
        #expect(!TuningPlugin.sameSysctl("1", "0"))
    }

    @Test func allowlistPatternsAreUnanchoredRegexps() throws {
        let list = SysctlAllowlist(patterns: [#"^net\.ipv4\.conf\.all\.[a-z_]*$"#, "somaxconn"])
        try list.check("net.ipv4.conf.all.log_martians")
        try list.check("net.core.somaxconn")
        let refused = try #require(throws: PluginError.self) { try list.check("net.ipv4.conf.other.log_martians") }
        #expect(refused.message.hasPrefix("Sysctl net.ipv4.conf.other.log_martians is not allowed. Only the following sysctls are allowed: ["))
        #expect(throws: PluginError.self) { try SysctlAllowlist(patterns: ["("]).check("net.x") }
        let path = NSTemporaryDirectory() + "swcni-allow-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("  ^net\\.core\\.  \n\n\t\nfoo\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try SysctlAllowlist.load(path)?.patterns == [#"^net\.core\."#, "foo"])
        #expect(try SysctlAllowlist.load(path + ".missing") == nil)
    }

    /// Go's `regexp.MatchString` on the syntax allowlists use (each answer is Go's).
    @Test(arguments: [
        (#"^net\.ipv4\.conf\.all\.[a-z_]*$"#, "net.ipv4.conf.all.log_martians", true),
        (#"^net\.ipv4\.conf\.all\.[a-z_]*$"#, "net.ipv4.conf.all.log_martians2", false),
        (#"^net\.ipv4\.conf\.all\.[a-z_]*$"#, "xnet.ipv4.conf.all.x", false),
        ("somaxconn", "net.core.somaxconn", true),
        ("net.core", "net/core", true),  // an unescaped dot is any character
        (#"^net\.core"#, "net/core", false),
        (#"^net\.ipv[46]\.conf\.(all|default|IFNAME)\.(rp_filter|arp_filter)$"#, "net.ipv6.conf.IFNAME.arp_filter", true),
        (#"^net\.ipv[46]\.conf\.(all|default|IFNAME)\.(rp_filter|arp_filter)$"#, "net.ipv4.conf.eth0.arp_filter", false),
        (#"^net\.core\.[[:alpha:]_]+$"#, "net.core.somaxconn", true),
        (#"^net\.ipv4\.tcp_\w{1,3}mem$"#, "net.ipv4.tcp_rmem", true),
        (#"^net\.ipv4\.tcp_\w{1,3}mem$"#, "net.ipv4.tcp_mem", false),
        (#"^net\.ipv4\.tcp_\w{3,5}mem$"#, "net.ipv4.tcp_rmem", false),
        (#"\d+$"#, "net.ipv4.conf.eth0.x1", true),
        (#"^[^.]+\.core\."#, "net.core.x", true),
        (#"^(?:net)\.(?P<what>core)\.so.*n$"#, "net.core.somaxconn", true),
        ("a{2}", "xaax", true), ("a{2}", "xax", false), ("x{", "x{", true), ("^$", "", true),
        ("(a|ab)(c|bcd)(d*)$", "abcd", true), ("(a*)*$", "b", true), ("a|b|c", "xxc", true), ("^(a|b|c)$", "d", false),
        ("^a?b??c*?d+?$", "bd", true), ("^(ab){2,3}$", "ababab", true), ("^(ab){2,3}$", "abababab", false),
        // RE2 is linear: this would take a backtracker hours.
        ("^(a+)+$", String(repeating: "a", count: 5000) + "b", false),
    ])
    func goRegexpMatchesAsGoDoes(_ c: (String, String, Bool)) throws {
        #expect(try GoRegexp(c.0).matches(c.1) == c.2, "\(c.0) on \(c.1)")
    }

    @Test func goRegexpRefusesWhatItDoesNotSpeak() {
        for bad in ["(", "a)", "[a", "*a", #"\b"#, "(?i)net", #"\p{L}"#, "[[:nope:]]", "[z-a]", "a{2000}", #"\"#, "((a{1000}){1000}){1000}"] {
            #expect(throws: GoRegexp.SyntaxError.self, "\(bad)") { try GoRegexp(bad) }
        }
    }

    /// The file is Go's `json.MarshalIndent(configToRestore, "", " ")`, byte for byte.
    @Test func savedValuesFileFormat() throws {
        let all = SavedLinkValues(mac: "0a:58:0a:01:00:02", promiscuous: false, mtu: 1500, allMulticast: true, txQueueLength: 0)
        #expect(String(decoding: all.json, as: UTF8.self) == """
            {
             "mac": "0a:58:0a:01:00:02",
             "promisc": false,
             "mtu": 1500,
             "allmulti": true,
             "txQLen": 0
            }
            """)
        #expect(String(decoding: SavedLinkValues(mtu: 1400).json, as: UTF8.self) == "{\n \"mtu\": 1400\n}")
        #expect(String(decoding: SavedLinkValues().json, as: UTF8.self) == "{}")
        #expect(SavedLinkValues(json: all.json) == all)
        // What Debian's 1.1.1 writes (no txQLen) reads; garbage reads as nothing to restore.
        #expect(SavedLinkValues(json: Array(#"{"mac":"0a:58:0a:01:00:02","MTU":9000}"#.utf8)) == SavedLinkValues(mac: "0a:58:0a:01:00:02", mtu: 9000))
        #expect(SavedLinkValues(json: Array("{".utf8)) == nil)
        #expect(SavedLinkValues(mtu: 1).filling(from: all) == SavedLinkValues(mac: "0a:58:0a:01:00:02", promiscuous: false, mtu: 1, allMulticast: true, txQueueLength: 0))
    }

    @Test func savedValuesFileLifecycle() throws {
        let top = NSTemporaryDirectory() + "swcni-tuning-\(UUID().uuidString)"
        let dir = top + "/a/b"
        defer { try? FileManager.default.removeItem(atPath: top) }
        let file = SavedValuesFile(dataDir: dir, containerID: "c1", ifName: "eth0")
        #expect(file.path == dir + "/c1_eth0.json")
        #expect(try file.read() == nil)
        try file.write(SavedLinkValues(mtu: 1500))
        #expect(try file.read() == SavedLinkValues(mtu: 1500))
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        try file.remove()
        try file.remove()
        #expect(try file.read() == nil)
    }
}
