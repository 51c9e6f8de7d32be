import CNITestSupport
import Foundation
import NetAddress
import Testing

@testable import Firewall

/// The default backend rule against real nodes (throwaway namespaces): nftables on a fresh node,
/// iptables where the reference's iptables chains already are.
@Suite(.enabled(if: isPrivileged), .serialized)
struct BackendChoiceKernelTests {
    static let attachment = MasqueradeAttachment(
        network: "choicenet", containerID: "ctr2", ifName: "eth0", addresses: [IPNetwork("10.88.0.3/16")!])

    static func nodeDefault(_ ns: TestNamespace) throws -> FirewallBackendKind {
        try ns.perform { FirewallBackendKind.nodeDefault(NodeFirewallProbe()) }
    }

    @Test func aFreshNodeGetsNftables() throws {
        try withTestNamespaces(1, prefix: "choice") { ns in
            let host = ns[0]
            #expect(try Self.nodeDefault(host) == .nftables)
            try host.perform { try Masquerade().setup(Self.attachment) }
            #expect(try host.check(["nft", "list", "ruleset"]).contains("id: ctr2"))
            #expect(try host.natSave() == emptyNAT)
            try host.perform { try Masquerade().teardown(Self.attachment) }
        }
    }

    @Test func foreignIPTablesChainsDoNotCountOnlyTheReferences() throws {
        try withTestNamespaces(1, prefix: "choice") { ns in
            let host = ns[0]
            // kube-proxy's chains (iptables-nft) say nothing about the CNI layout.
            try host.check(["iptables", "-t", "nat", "-N", "KUBE-SERVICES"])
            #expect(try Self.nodeDefault(host) == .nftables)
            // Any CNI- chain does: portmap's top-level chains outlive every container.
            try host.check(["iptables", "-t", "nat", "-N", "CNI-HOSTPORT-DNAT"])
            #expect(try Self.nodeDefault(host) == .iptables)
            // The programs must be there to write with.
            let none = IPTablesTools(save4: nil, restore4: nil, save6: nil, restore6: nil)
            #expect(try host.perform { FirewallBackendKind.nodeDefault(NodeFirewallProbe(tools: none)) } == .nftables)
        }
    }

    /// iptables-legacy's chains cannot be read without running it; a loaded legacy nat table counts.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/iptables-legacy")))
    func aLegacyNatTableCounts() throws {
        try withTestNamespaces(1, prefix: "choice") { ns in
            let host = ns[0]
            #expect(try host.perform { NodeFirewallProbe().iptablesInUse() } == false)
            try host.check(["iptables-legacy", "-t", "nat", "-S"])
            #expect(try host.perform { NodeFirewallProbe().iptablesInUse() } == true)
            #expect(try Self.nodeDefault(host) == .iptables)
        }
    }

    /// Debian's bridge (1.1.1, iptables only) left its ipMasq chain: our next attachment joins it there.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/bridge")))
    func afterDebiansBridgeMasqueradeTheNodeStaysIPTables() throws {
        try DebianBridgeInteropTests.withDataDir { dataDir in
            try withTestNamespaces(2, prefix: "choice") { ns in
                let (host, container) = (ns[0], ns[1])
                _ = try DebianBridgeInteropTests.bridge("ADD", host: host, container: container, ipMasq: true, dataDir: dataDir)
                defer {
                    _ = try? DebianBridgeInteropTests.bridge("DEL", host: host, container: container, ipMasq: true, dataDir: dataDir)
                }
                #expect(try Self.nodeDefault(host) == .iptables)
                try host.perform { try Masquerade().setup(Self.attachment) }
                #expect(try host.natSave().contains(FirewallNames.iptablesChain(network: "choicenet", containerID: "ctr2")))
                #expect(try !host.check(["nft", "list", "ruleset"]).contains("cni_plugins_masquerade"))
                try host.perform { try Masquerade().teardown(Self.attachment) }
            }
        }
    }
}
