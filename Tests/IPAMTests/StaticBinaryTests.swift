import CNITestSupport
import Foundation
import Testing

/// The static binary beside Debian's (`/usr/lib/cni/static`, v1.1.1): every option, each verb,
/// the same request to both. Results must be byte-identical; failures must carry the same
/// message, or end in it (codes differ on purpose: ours are the spec's, the reference's are all 999).
@Suite struct StaticBinaryTests {
    static let ours = Binaries.path("static")
    static let reference = Binaries.referenceDirectory + "/static"

    struct Outcome: Equatable, CustomStringConvertible {
        var status: Int32
        var stdout: String
        var code: Int? { (jsonObject(stdout)?["code"] as? NSNumber)?.intValue }
        var msg: String? { jsonObject(stdout)?["msg"] as? String }
        var description: String { "exit \(status): \(stdout)" }
    }

    static func run(_ binary: String, _ command: String, _ config: String, args: String = "") throws -> Outcome {
        let out = try PluginRunner(binary: binary, cniPath: "/usr/lib/cni").run(
            command, config: config, netns: "/var/run/netns/static-test-none", args: args.isEmpty ? nil : args)
        return Outcome(status: out.status, stdout: out.stdout)
    }

    /// Runs `command` through both binaries; returns ours after comparing it with the reference's.
    @discardableResult
    static func sideBySide(_ command: String, _ config: String, args: String = "", code: Int? = nil) throws -> Outcome {
        let mine = try run(ours, command, config, args: args)
        let theirs = try run(reference, command, config, args: args)
        if theirs.status == 0 {
            #expect(mine == theirs, "\(command) \(config) CNI_ARGS=\(args)")
        } else {
            // Ours may name the member first (`network config: "ipam.addresses.0.gateway": …`).
            #expect(mine.status == 1 && (mine.msg ?? "").hasSuffix(theirs.msg ?? "-"), "\(command) \(config): ours \(mine), reference \(theirs)")
            if let code { #expect(mine.code == code) }
        }
        return mine
    }

    static func config(_ ipam: String, version: String = "1.0.0", extra: String = "") -> String {
        #"{"cniVersion":"\#(version)","name":"net1","type":"bridge"\#(extra),"ipam":{"type":"static"\#(ipam)}}"#
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: reference))) func everyOptionInEveryResultVersion() throws {
        let ipam = #","addresses":[{"address":"10.10.0.1/24","gateway":"10.10.0.254"},{"address":"3ffe:ffff:0:01ff::1/64","gateway":"3ffe:ffff:0::1"}],"routes":[{"dst":"0.0.0.0/0"},{"dst":"192.168.0.0/16","gw":"10.10.5.1"},{"dst":"3ffe:ffff:0:01ff::1/64"}],"dns":{"nameservers":["8.8.8.8"],"domain":"example.com","search":["example.com"],"options":["ndots:2"]}"#
        for version in ["0.3.0", "0.3.1", "0.4.0", "1.0.0"] {
            let out = try Self.sideBySide("ADD", Self.config(ipam, version: version))
            #expect(out.status == 0)
        }
        // 0.1.0/0.2.0: one address per family (ip4 and ip6 each with the routes of its family).
        let single = #","addresses":[{"address":"10.10.0.1/24","gateway":"10.10.0.254"},{"address":"fd00::1/64"}],"routes":[{"dst":"0.0.0.0/0"}]"#
        for version in ["0.1.0", "0.2.0"] { try Self.sideBySide("ADD", Self.config(single, version: version)) }
        try Self.sideBySide("ADD", #"{"name":"net1","ipam":{"type":"static","addresses":[{"address":"10.1.1.1/24"}]}}"#)
        // 1.1.0 (newer than Debian's): the 1.0.0 result with the newer version.
        let newest = try Self.run(Self.ours, "ADD", Self.config(ipam, version: "1.1.0"))
        #expect(jsonObject(newest.stdout)?["cniVersion"] as? String == "1.1.0")
        #expect((jsonObject(newest.stdout)?["ips"] as? [Any])?.count == 2)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: reference))) func cniArgsAddAddressesWithGateways() throws {
        let ipam = #","addresses":[{"address":"10.10.0.1/24"}]"#
        try Self.sideBySide("ADD", Self.config(ipam), args: "IP=10.1.2.3/24,10.1.3.4/16;GATEWAY=10.1.2.1")
        try Self.sideBySide("ADD", Self.config(ipam), args: "IP=10.1.2.3/24 , 10.1.9.9/24;GATEWAY= 10.1.2.1 ")
        try Self.sideBySide("ADD", Self.config(ipam), args: "IP=10.1.2.3/24;GATEWAY=10.1.2.1,10.1.2.2")
        try Self.sideBySide("ADD", Self.config(ipam), args: "IgnoreUnknown=1;K8S_POD_NAME=web;IP=fd00::5/64;GATEWAY=fd00::1")
        try Self.sideBySide("ADD", Self.config(ipam), args: "IP=")
        // A gateway applies only to CNI_ARGS addresses (the config's are not parsed yet then).
        let out = try Self.sideBySide("ADD", Self.config(ipam), args: "IP=10.1.2.3/24;GATEWAY=10.10.0.254")
        #expect(out.stdout.components(separatedBy: "10.10.0.254").count == 1)
        // Failures (code 4, CNI_ARGS).
        try Self.sideBySide("ADD", Self.config(ipam), args: "IP=10.1.2.3", code: 4)
        try Self.sideBySide("ADD", Self.config(ipam), args: "IP=10.1.2.3/24;GATEWAY=1.2.3.4x", code: 4)
        try Self.sideBySide("ADD", Self.config(ipam), args: "K8S_POD_NAME=web", code: 4)
        try Self.sideBySide("ADD", Self.config(ipam), args: "IP", code: 4)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: reference))) func ipsCapabilityAndArgsReplaceTheList() throws {
        let ipam = #","addresses":[{"address":"10.10.0.1/24","gateway":"10.10.0.254"}]"#
        try Self.sideBySide("ADD", Self.config(ipam, extra: #","args":{"cni":{"ips":["10.8.8.8/24","fd00::8/64"]}}"#))
        try Self.sideBySide("ADD", Self.config(ipam, extra: #","runtimeConfig":{"ips":["10.9.9.9/24"]},"args":{"cni":{"ips":["10.8.8.8/24"]}}"#))
        try Self.sideBySide("ADD", Self.config(ipam, extra: #","runtimeConfig":{"ips":[]}"#))
        try Self.sideBySide("ADD", Self.config(ipam, extra: #","args":{"cni":{"ips":["10.3.3.3/24"]}}"#), args: "IP=10.1.2.3/24;GATEWAY=10.3.3.1")
        try Self.sideBySide("ADD", Self.config(ipam, extra: #","runtimeConfig":{"ips":["10.9.9.9"]}"#), code: 7)
        try Self.sideBySide("ADD", Self.config(ipam, extra: #","args":{"cni":{"ips":["x"]}}"#), code: 7)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: reference))) func configIsReadAsGoReadsIt() throws {
        // Keys fold to the struct's fields; the untagged `Address` (a net.IPNet) may be given directly.
        try Self.sideBySide("ADD", #"{"cniVersion":"0.4.0","name":"n","IPAM":{"type":"static","ADDRESSES":[{"Address":{"IP":"fd00::1","Mask":"//////////8AAAAAAAAAAA=="},"Gateway":"fd00::ff"}],"Routes":[{"dst":"::/0","gw":"fd00::fe"}]}}"#)
        try Self.sideBySide("ADD", Self.config(#","addresses":[{"address":"10.1.1.1/24","Address":{"IP":"10.2.2.2","Mask":"//8AAA=="}}]"#))
        try Self.sideBySide("ADD", Self.config(#","addresses":[{"address":"::ffff:10.10.0.1/120"}]"#))
        try Self.sideBySide("ADD", Self.config(#","addresses":[{"address":"10.1.1.1/24","gateway":""}],"dns":null"#))
        try Self.sideBySide("ADD", Self.config(#","addresses":[{"address":"10.1.1.1/24"}],"addresses":[{"address":"10.2.2.2/24"}]"#))
        // Top-level keys outside the reference's `Net` are not read on ADD.
        try Self.sideBySide("ADD", Self.config(#","addresses":[{"address":"10.1.1.1/24"}]"#, extra: #","dns":5,"capabilities":"x""#))
        // Failures.
        try Self.sideBySide("ADD", Self.config(#","addresses":[{"address":"10.10.0.1"}]"#), code: 7)
        try Self.sideBySide("ADD", Self.config(#","addresses":[{"address":"10.10.0.1/24","gateway":"x"}]"#), code: 7)
        try Self.sideBySide("ADD", #"{"cniVersion":"1.0.0","name":"n"}"#, code: 7)
        try Self.sideBySide("ADD", #"{"cniVersion":"1.0.0","name":"n","ipam":null}"#, code: 7)
        try Self.sideBySide("ADD", Self.config(#","addresses":[{"address":"10.10.0.1/24"},{"address":"10.10.0.2/24"}]"#, version: "0.2.0"), code: 7)
        let typeError = try Self.run(Self.ours, "ADD", Self.config(#","addresses":[{"address":"10.1.1.1/24","Version":5}]"#))
        #expect(typeError.code == 6 && typeError.msg == #"network config: "ipam.addresses.0.Version" must be a string, found a number"#)
        let noMask = try Self.run(Self.ours, "ADD", Self.config(#","addresses":[{"Address":{"IP":"10.1.1.1"}}]"#))
        #expect(noMask.code == 7)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: reference))) func checkComparesGatewaysOfConfiguredAddresses() throws {
        let ipam = #","addresses":[{"address":"10.10.0.1/24","gateway":"10.10.0.254"}]"#
        func prev(_ address: String, _ gateway: String) -> String {
            #","prevResult":{"cniVersion":"1.0.0","ips":[{"address":"\#(address)","gateway":"\#(gateway)"}]}"#
        }
        #expect(try Self.sideBySide("CHECK", Self.config(ipam, extra: prev("10.10.0.1/24", "10.10.0.254"))).status == 0)
        try Self.sideBySide("CHECK", Self.config(ipam, extra: prev("10.10.0.1/24", "10.10.0.1")), code: 999)
        // An address the result lacks is not checked (as the reference).
        #expect(try Self.sideBySide("CHECK", Self.config(ipam, extra: prev("10.10.0.2/24", "10.10.0.1"))).status == 0)
        try Self.sideBySide("CHECK", Self.config(ipam), code: 7)
        try Self.sideBySide("CHECK", Self.config(ipam, extra: prev("10.10.0.1/24", "10.10.0.254")), args: "K8S_POD_NAME=x", code: 4)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: reference))) func deleteNeverFails() throws {
        try Self.sideBySide("DEL", Self.config(#","addresses":[{"address":"bad"}]"#), args: "K8S_POD_NAME=x")
        try Self.sideBySide("DEL", #"{"cniVersion":"1.0.0","name":"n"}"#)
    }

    /// GC and STATUS (1.1.0, newer than Debian's): nothing to collect, always ready.
    @Test func gcAndStatusSucceed() throws {
        let conf = Self.config(#","addresses":[{"address":"10.10.0.1/24"}]"#, version: "1.1.0")
        #expect(try Self.run(Self.ours, "GC", conf).status == 0)
        #expect(try Self.run(Self.ours, "STATUS", conf).status == 0)
        let old = try Self.run(Self.ours, "STATUS", Self.config("", version: "1.0.0"))
        #expect(old.code == 1)
        let version = try Self.run(Self.ours, "VERSION", "{}")
        #expect((jsonObject(version.stdout)?["supportedVersions"] as? [String])?.contains("1.1.0") == true)
    }
}
