import CNI
import Firewall
import NFTables
import NetAddress
import Testing

@testable import FirewallPlugin

/// The iptables-restore scripts and the nftables layout, without a kernel.
struct LayoutTests {
    static func attachment(policy: IngressPolicy = .open, admin: String = "CNI-ADMIN") -> FirewallAttachment {
        FirewallAttachment(
            network: "mynet", containerID: "ctr1", ifName: "eth0",
            addresses: [IPNetwork("10.88.0.2/16")!, IPNetwork("fd00:88::2/64")!], bridge: "cni0", adminChain: admin,
            ingressPolicy: policy)
    }

    @Test func firstSetupIsTheReferencesLayout() {
        let a = Self.attachment(policy: .sameBridge)
        let lines = IPTablesFirewallLayout.setupLines(IPTablesNATDump(parsing: "", table: "filter"), a, .v4, isolation: "cni0")
        let comment = #""CNI firewall plugin rules (ingressPolicy: same-bridge)""#
        #expect(lines == [
            ":CNI-FORWARD - [0:0]",
            ":CNI-ADMIN - [0:0]",
            ":CNI-FORWARD-OWNERS - [0:0]",
            #"-I FORWARD 1 -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD"#,
            #"-I CNI-FORWARD 1 -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN"#,
            Self.ownerLine,
            "-A CNI-FORWARD -d 10.88.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-A CNI-FORWARD -s 10.88.0.2/32 -j ACCEPT",
            ":CNI-ISOLATION-STAGE-1 - [0:0]",
            ":CNI-ISOLATION-STAGE-2 - [0:0]",
            "-I FORWARD 1 -m comment --comment \(comment) -j CNI-ISOLATION-STAGE-1",
            "-I CNI-ISOLATION-STAGE-1 1 -i cni0 ! -o cni0 -m comment --comment \(comment) -j CNI-ISOLATION-STAGE-2",
            "-A CNI-ISOLATION-STAGE-1 -m comment --comment \(comment) -j RETURN",
            "-I CNI-ISOLATION-STAGE-2 1 -o cni0 -m comment --comment \(comment) -j DROP",
            "-A CNI-ISOLATION-STAGE-2 -m comment --comment \(comment) -j RETURN",
        ])
    }

    /// ctr1's record that 10.88.0.2 is its address.
    static let ownerLine =
        #"-A CNI-FORWARD-OWNERS -s 10.88.0.2/32 -m comment --comment "d23676b4f2d9fe04-7883a6f9ce71eedb, net: mynet, if: eth0, id: ctr1" -j RETURN"#
    static var ownerDeleteLine: String { "-D" + ownerLine.dropFirst(2) }

    /// What Debian's 1.1.1 leaves (iptables-save of the filter table after its ADD): nothing to do.
    static let referenceDump = #"""
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :CNI-ADMIN - [0:0]
        :CNI-FORWARD - [0:0]
        :CNI-ISOLATION-STAGE-1 - [0:0]
        :CNI-ISOLATION-STAGE-2 - [0:0]
        -A FORWARD -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j CNI-ISOLATION-STAGE-1
        -A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD
        -A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN
        -A CNI-FORWARD -d 10.88.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        -A CNI-FORWARD -s 10.88.0.2/32 -j ACCEPT
        -A CNI-FORWARD -d 10.88.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        -A CNI-ISOLATION-STAGE-1 -i cni0 ! -o cni0 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j CNI-ISOLATION-STAGE-2
        -A CNI-ISOLATION-STAGE-1 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j RETURN
        -A CNI-ISOLATION-STAGE-2 -o cni0 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j DROP
        -A CNI-ISOLATION-STAGE-2 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j RETURN
        COMMIT
        """#

    @Test func theReferencesStateNeedsOnlyTheOwnerAndTearsDown() {
        let a = Self.attachment(policy: .sameBridge)
        let dump = IPTablesNATDump(parsing: Self.referenceDump, table: "filter")
        #expect(IPTablesFirewallLayout.setupLines(dump, a, .v4, isolation: "cni0") == [":CNI-FORWARD-OWNERS - [0:0]", Self.ownerLine])
        #expect(IPTablesFirewallLayout.missing(dump, a, .v4, isolation: "cni0") == nil)
        // A duplicated rule (a race between two ADDs) goes as often as it is there.
        #expect(IPTablesFirewallLayout.teardownLines(dump, a, .v4) == [
            "-D CNI-FORWARD -d 10.88.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-D CNI-FORWARD -d 10.88.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-D CNI-FORWARD -s 10.88.0.2/32 -j ACCEPT",
        ])
        #expect(IPTablesFirewallLayout.teardownLines(dump, a, .v6).isEmpty)
        // Another admin chain is missing until declared.
        #expect(IPTablesFirewallLayout.missing(dump, Self.attachment(admin: "MINE"), .v4, isolation: nil) == "chain MINE")
    }

    @Test func isolatedAddsTheSameBridgeDrop() {
        let a = Self.attachment(policy: .isolated)
        let dump = IPTablesNATDump(parsing: Self.referenceDump, table: "filter")
        #expect(IPTablesFirewallLayout.setupLines(dump, a, .v4, isolation: "cni0") == [
            ":CNI-FORWARD-OWNERS - [0:0]",
            Self.ownerLine,
            #"-I CNI-ISOLATION-STAGE-1 1 -i cni0 -o cni0 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j DROP"#
        ])
        // Only the isolation when the addresses are not ours to write (firewalld).
        let other = IPTablesFirewallLayout.setupLines(IPTablesNATDump(parsing: "", table: "filter"), a, .v6, addresses: false, isolation: "br1")
        #expect(!other.contains { $0.contains("CNI-FORWARD") } && other.contains { $0.hasPrefix("-I CNI-ISOLATION-STAGE-2 1 -o br1 ") })
    }

    /// Two attachments of mynet (ctr1: 10.88.0.2 and fd00:88::2; ctr2: 10.88.0.3), as our ADDs
    /// leave the IPv4 filter table, plus ctr3 of another network claiming ctr1's 10.88.0.2 too.
    static func ownedDump(sharing: Bool = false) -> IPTablesNATDump {
        var text = "*filter\n:FORWARD ACCEPT [0:0]\n:CNI-FORWARD - [0:0]\n:CNI-FORWARD-OWNERS - [0:0]\n"
        var owners = [attachment(), FirewallAttachment(network: "mynet", containerID: "ctr2", ifName: "eth0", addresses: [IPNetwork("10.88.0.3/16")!])]
        if sharing { owners.append(FirewallAttachment(network: "other", containerID: "ctr3", ifName: "eth0", addresses: [IPNetwork("10.88.0.2/16")!])) }
        for a in owners {
            for address in a.hosts(.v4) {
                text += IPTablesFirewallLayout.ownerRule(address, a).line() + "\n"
                text += IPTablesFirewallLayout.addressRules(address).map { $0.line() }.joined(separator: "\n") + "\n"
            }
        }
        return IPTablesNATDump(parsing: text + "COMMIT\n", table: "filter")
    }

    /// DEL without prevResult (the runtime cached no result: a later plugin failed or was killed)
    /// finds the attachment's addresses in its owner rules.
    @Test func teardownWithoutPrevResultUsesTheOwners() {
        var bare = Self.attachment()
        bare.addresses = []
        let dump = Self.ownedDump()
        let expected = [
            "-D CNI-FORWARD -d 10.88.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-D CNI-FORWARD -s 10.88.0.2/32 -j ACCEPT",
            Self.ownerDeleteLine,
        ]
        #expect(IPTablesFirewallLayout.teardownLines(dump, bare, .v4) == expected)
        #expect(IPTablesFirewallLayout.teardownLines(dump, Self.attachment(), .v4) == expected, "the same with prevResult")
        #expect(IPTablesFirewallLayout.teardownLines(dump, bare, .v6).isEmpty, "the IPv6 owner is in the IPv6 table")
    }

    /// An address another attachment claims keeps its rules: only the owner rule goes.
    @Test func aClaimedAddressKeepsItsRules() {
        let lines = IPTablesFirewallLayout.teardownLines(Self.ownedDump(sharing: true), Self.attachment(), .v4)
        #expect(lines == [Self.ownerDeleteLine])
    }

    /// GC removes what the owner rules of the network's stale attachments record, nothing of
    /// valid ones or of other networks.
    @Test func collectionFollowsTheOwners() {
        let keepCtr2 = StaleAttachments(network: "mynet", keeping: [ValidAttachment(containerID: "ctr2", ifName: "eth0")])
        #expect(IPTablesFirewallLayout.collectionLines(Self.ownedDump(), keepCtr2) == [
            "-D CNI-FORWARD -d 10.88.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-D CNI-FORWARD -s 10.88.0.2/32 -j ACCEPT",
            Self.ownerDeleteLine,
        ])
        // ctr3 (network "other") still claims 10.88.0.2.
        #expect(IPTablesFirewallLayout.collectionLines(Self.ownedDump(sharing: true), keepCtr2) == [
            Self.ownerDeleteLine
        ])
        let none = StaleAttachments(network: "mynet", keeping: [])
        #expect(IPTablesFirewallLayout.collectionLines(Self.ownedDump(), none).count == 6)
        let elsewhere = StaleAttachments(network: "unknown", keeping: [])
        #expect(IPTablesFirewallLayout.collectionLines(Self.ownedDump(sharing: true), elsewhere).isEmpty)
    }

    @Test func nftablesAnchorRecord() {
        let a = Self.attachment()
        let comment = NFTFirewallLayout.anchorComment(a, count: 4)
        #expect(comment == "containers=4; net: mynet, if: eth0, id: ctr1")
        #expect(NFTFirewallLayout.recordedCount(comment) == 4)
        #expect(NFTFirewallLayout.recordedCount("hostports=1; net") == nil && NFTFirewallLayout.recordedCount(nil) == nil)
        #expect(NFTFirewallLayout.anchor(a).name == "attachment-" + a.tag)
        #expect(NFTFirewallLayout.addressRules(a).count == 4)
        #expect(NFTFirewallLayout.addressRules(a).allSatisfy { $0.comment?.hasPrefix(a.tag + ", net: mynet") == true })
        // A fresh table: the table, five chains, three rules.
        let ops = NFTFirewallLayout.skeleton(existing: .init())
        #expect(ops.count == 1 + 5 + 3)
        let full = NFTFirewallLayout.Skeleton(
            chains: ["forward", "containers", "admin", "isolation_stage_1", "isolation_stage_2"],
            forwardRules: NFTFirewallLayout.forwardRules().map(\.expressions))
        #expect(NFTFirewallLayout.skeleton(existing: full).isEmpty)
        #expect(NFTFirewallLayout.isolationRules("cni0", policy: .isolated).count == 3)
        #expect(NFTFirewallLayout.isolationRules("cni0", policy: .sameBridge).count == 2)
    }
}
