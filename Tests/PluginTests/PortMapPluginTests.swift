import CNI
import CNITestSupport
import Firewall
import NFTables
import Foundation
import NetAddress
import Testing

@testable import PortMap

/// A PortMapper that records what it is asked and fails on demand.
final class FakePortMapper: PortMapper, @unchecked Sendable {
    let kind: PortMapBackendKind
    let present: Bool
    var failure: PortMapError?
    private let lock = NSLock()
    private var _calls: [String] = []
    private var _attachments: [PortMapAttachment] = []

    init(_ kind: PortMapBackendKind, present: Bool = true, failure: PortMapError? = nil) {
        self.kind = kind
        self.present = present
        self.failure = failure
    }

    var calls: [String] { lock.withLock { _calls } }
    var attachments: [PortMapAttachment] { lock.withLock { _attachments } }

    private func record(_ call: String, _ a: PortMapAttachment? = nil) throws(PortMapError) {
        lock.withLock {
            _calls.append(call)
            if let a { _attachments.append(a) }
        }
        if let failure { throw failure }
    }

    func isPresent() -> Bool { present }
    func checkUsable() throws(PortMapError) { try record("status") }
    func forward(_ a: PortMapAttachment) throws(PortMapError) { try record("forward", a) }
    func check(_ a: PortMapAttachment) throws(PortMapError) { try record("check", a) }
    func unforward(_ a: PortMapAttachment) throws(PortMapError) -> StaleFlows {
        try record("unforward", a)
        return StaleFlows()
    }
    func gc(network: String, keeping valid: [ValidAttachment]) throws(PortMapError) -> StaleFlows {
        try record("gc")
        return StaleFlows()
    }
}

/// The verbs through PluginMain, in-process, with fake backends. Every run happens inside a
/// throwaway namespace, so that the steps that are not faked (route_localnet, conntrack) touch
/// nothing of the machine's.
@Suite(.enabled(if: isPrivileged), .serialized)
struct PortMapPluginTests {
    static let prev = #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"interface":0,"address":"10.88.0.2/16"}]}"#
    static let mappings = #"[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]"#

    static func config(_ extra: String = "", mappings: String? = mappings, prev: Bool = true, version: String = "1.1.0") -> String {
        var text = #"{"cniVersion":"\#(version)","name":"mynet","type":"portmap""#
        if let mappings { text += #","runtimeConfig":{"portMappings":\#(mappings)}"# }
        if prev { text += #","prevResult":\#(Self.prev)"# }
        return text + extra + "}"
    }

    /// Runs `verb` and returns (exit status, stdout).
    static func run(_ plugin: PortMapPlugin, _ verb: String, _ config: String, in ns: TestNamespace) throws -> (Int32, String) {
        let variables = ["CNI_COMMAND": verb, "CNI_CONTAINERID": "ctr1", "CNI_NETNS": "/var/run/netns/none", "CNI_IFNAME": "eth0", "CNI_PATH": "/x"]
        return try ns.perform { () -> (Int32, String) in
            let (environment, output) = PluginEnvironment.capturing(variables: variables, stdin: Array(config.utf8))
            let status = PluginMain.execute(plugin, about: "", environment: environment)
            return (status, output.stdoutText)
        }
    }

    @Test func addForwardsThroughTheConfiguredBackendAndPassesPrevResultThrough() throws {
        try withTestNamespaces(1, prefix: "pmp") { ns in
            let (ipt, nft) = (FakePortMapper(.iptables), FakePortMapper(.nftables))
            let plugin = PortMapPlugin(iptables: ipt, nftables: nft)
            let (status, out) = try Self.run(plugin, "ADD", Self.config(#","backend":"nftables""#), in: ns[0])
            #expect(status == 0, "\(out)")
            #expect((jsonObject(out)?["ips"] as? [[String: Any]])?.first?["address"] as? String == "10.88.0.2/16")
            #expect(nft.calls == ["forward"] && ipt.calls.isEmpty)
            #expect(nft.attachments.first?.addresses == [IPNetwork("10.88.0.2/16")!])
            #expect(nft.attachments.first?.mappings == [PortMapping(proto: .tcp, hostPort: 8080, containerPort: 80)])
            // No mappings: nothing is touched.
            let (s2, _) = try Self.run(plugin, "ADD", Self.config(mappings: "[]"), in: ns[0])
            #expect(s2 == 0 && nft.calls == ["forward"] && ipt.calls.isEmpty)
            // No prevResult: the reference's error.
            let (s3, o3) = try Self.run(plugin, "ADD", Self.config(prev: false), in: ns[0])
            #expect(s3 == 1 && jsonObject(o3)?["msg"] as? String == "must be called as chained plugin")
        }
    }

    @Test func delTriesBothBackendsAndReportsOnlyPresentOnes() throws {
        try withTestNamespaces(1, prefix: "pmp") { ns in
            let broken = PortMapError(.firewall, "boom")
            let absent = FakePortMapper(.iptables, present: false, failure: broken)
            let nft = FakePortMapper(.nftables)
            let (status, _) = try Self.run(PortMapPlugin(iptables: absent, nftables: nft), "DEL", Self.config(mappings: nil, prev: false), in: ns[0])
            #expect(status == 0 && nft.calls == ["unforward"] && absent.calls == ["unforward"])
            // DEL knows only the identity here.
            #expect(nft.attachments.first?.addresses.isEmpty == true && nft.attachments.first?.mappings.isEmpty == true)
            let failing = FakePortMapper(.nftables, failure: broken)
            let (s2, o2) = try Self.run(PortMapPlugin(iptables: absent, nftables: failing), "DEL", Self.config(), in: ns[0])
            #expect(s2 == 1 && (jsonObject(o2)?["msg"] as? String)?.contains("boom") == true)
            let gcConfig = Self.config(#","cni.dev/valid-attachments":[]"#, mappings: nil, prev: false)
            let (s3, _) = try Self.run(PortMapPlugin(iptables: absent, nftables: failing), "GC", gcConfig, in: ns[0])
            #expect(s3 == 1 && failing.calls.last == "gc")
            // Without a valid list nothing is known to be stale: no backend is asked.
            let idle = FakePortMapper(.nftables)
            let (s4, _) = try Self.run(PortMapPlugin(iptables: absent, nftables: idle), "GC", Self.config(mappings: nil, prev: false), in: ns[0])
            #expect(s4 == 0 && !idle.calls.contains("gc"))
        }
    }

    @Test func statusIs50WhenTheBackendCannotWork() throws {
        try withTestNamespaces(1, prefix: "pmp") { ns in
            let noTools = IPTablesPortMapper(tools: IPTablesTools(save4: nil, restore4: nil, save6: nil, restore6: nil))
            let nft = FakePortMapper(.nftables)
            let plugin = PortMapPlugin(iptables: noTools, nftables: nft)
            let (status, out) = try Self.run(plugin, "STATUS", Self.config(#","backend":"iptables""#, mappings: nil, prev: false), in: ns[0])
            #expect(status == 1 && jsonObject(out)?["code"] as? Int == 50)
            // Unset backend without iptables programs: nftables, which is ready.
            let (s2, o2) = try Self.run(plugin, "STATUS", Self.config(mappings: nil, prev: false), in: ns[0])
            #expect(s2 == 0 && o2.isEmpty && nft.calls == ["status"])
            // STATUS needs 1.1.0.
            let (s3, o3) = try Self.run(plugin, "STATUS", Self.config(mappings: nil, prev: false, version: "1.0.0"), in: ns[0])
            #expect(s3 == 1 && jsonObject(o3)?["code"] as? Int == 1)
            // The real nftables backend in a namespace is ready.
            let real = PortMapPlugin(iptables: noTools, nftables: NFTablesPortMapper())
            #expect(try Self.run(real, "STATUS", Self.config(mappings: nil, prev: false), in: ns[0]).0 == 0)
        }
    }

    @Test func firewallErrorsKeepTheirOwnCode() {
        #expect(PortMapError("set up", FirewallError(.busy, "iptables-restore", detail: "lock")).cniError.code == .tryAgainLater)
        #expect(PortMapError("set up", FirewallError(.invalidConfig, "no ip6tables-restore")).cniError.code == .invalidNetworkConfig)
        #expect(PortMapError("set up", FirewallError(.iptables, "exit status 2")).cniError.code == .internal)
        #expect(PortMapError("set up", NFTError(.kernel, operation: "add rule")).cniError.code == .internal)
        #expect(PortMapError("set up", FirewallError(.busy, "restore", detail: "lock")).cniError.msg == "set up: restore: lock")
    }

    @Test func checkNeedsPrevResultAndUsesTheConfiguredBackend() throws {
        try withTestNamespaces(1, prefix: "pmp") { ns in
            let (ipt, nft) = (FakePortMapper(.iptables), FakePortMapper(.nftables))
            let plugin = PortMapPlugin(iptables: ipt, nftables: nft)
            let (s1, o1) = try Self.run(plugin, "CHECK", Self.config(prev: false), in: ns[0])
            #expect(s1 == 1 && jsonObject(o1)?["msg"] as? String == "Required prevResult missing")
            let (s2, _) = try Self.run(plugin, "CHECK", Self.config(#","backend":"iptables""#), in: ns[0])
            #expect(s2 == 0 && ipt.calls == ["check"] && nft.calls.isEmpty)
            // A config error is code 7, with the reference's text.
            let (s3, o3) = try Self.run(plugin, "ADD", Self.config(#","markMasqBit":40"#), in: ns[0])
            #expect(s3 == 1 && jsonObject(o3)?["code"] as? Int == 7)
            #expect(jsonObject(o3)?["msg"] as? String == "failed to parse config: MasqMarkBit must be between 0 and 31")
        }
    }

    @Test func checkWithoutAConfiguredBackendFindsTheRulesInEither() throws {
        try withTestNamespaces(1, prefix: "pmp") { ns in
            // A fresh namespace defaults to nftables; the rules are in iptables (the ADD ran when the
            // node's default was iptables, or the other way round).
            let missing = PortMapError(.firewall, "no rules")
            let (ipt, nft) = (FakePortMapper(.iptables), FakePortMapper(.nftables, failure: missing))
            let plugin = PortMapPlugin(iptables: ipt, nftables: nft)
            let (s1, _) = try Self.run(plugin, "CHECK", Self.config(), in: ns[0])
            #expect(s1 == 0 && nft.calls == ["check"] && ipt.calls == ["check"])
            // Configured: only that backend counts.
            let (s2, o2) = try Self.run(plugin, "CHECK", Self.config(#","backend":"nftables""#), in: ns[0])
            #expect(s2 == 1 && (jsonObject(o2)?["msg"] as? String)?.contains("no rules") == true)
        }
    }
}
