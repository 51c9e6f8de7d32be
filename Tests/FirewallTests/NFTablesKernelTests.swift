import CNITestSupport
import Foundation
import NetAddress
import NFTables
import SystemPackage
import Testing

/// The reference's masquerade layout written by knftables (`nft -f`), for comparison with ours.
let referenceMasqueradeScript = """
    add table inet cni_plugins_masquerade { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }
    add chain inet cni_plugins_masquerade masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }
    add chain inet cni_plugins_masquerade postrouting { type nat hook postrouting priority srcnat ; }
    flush chain inet cni_plugins_masquerade postrouting
    add rule inet cni_plugins_masquerade postrouting ip daddr == 224.0.0.0/4  return
    add rule inet cni_plugins_masquerade postrouting ip6 daddr == ff00::/8  return
    add rule inet cni_plugins_masquerade postrouting goto masq_checks
    add rule inet cni_plugins_masquerade masq_checks ip saddr == 10.88.0.2 ip daddr != 10.88.0.0/16 masquerade comment "c1"
    add rule inet cni_plugins_masquerade masq_checks ip6 saddr == fd00:88::2 ip6 daddr != fd00:88::/64 masquerade comment "c2"

    """

@Suite(.enabled(if: isPrivileged), .serialized)
struct NFTablesKernelTests {
    static let table = NFTTableRef(.inet, "cni_plugins_masquerade")

    static func referenceLayoutBatch() -> NFTBatch {
        let masq = table.chain("masq_checks"), post = table.chain("postrouting")
        var batch = NFTBatch()
        batch.add(NFTTable(table, comment: "Masquerading for plugins from github.com/containernetworking/plugins"))
        batch.add(NFTChain(masq, comment: "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet"))
        batch.add(NFTChain(post, base: NFTBaseChain(type: .nat, hook: .postrouting, priority: NFTPriority.srcnat)))
        batch.append(.flushChain(post))
        batch.add(NFTRule(chain: post) {
            $0.match(.destination, IPNetwork("224.0.0.0/4")!)
            $0.verdict(.return)
        })
        batch.add(NFTRule(chain: post) {
            $0.match(.destination, IPNetwork("ff00::/8")!)
            $0.verdict(.return)
        })
        batch.add(NFTRule(chain: post) { $0.verdict(.goto("masq_checks")) })
        batch.add(NFTRule(chain: masq, comment: "c1") {
            $0.match(.source, address: IPAddress("10.88.0.2")!)
            $0.match(.destination, .neq, IPNetwork("10.88.0.0/16")!)
            $0.masquerade()
        })
        batch.add(NFTRule(chain: masq, comment: "c2") {
            $0.match(.source, address: IPAddress("fd00:88::2")!)
            $0.match(.destination, .neq, IPNetwork("fd00:88::/64")!)
            $0.masquerade()
        })
        return batch
    }

    @Test func masqueradeLayoutListsExactlyLikeNftMadeOne() throws {
        try withTestNamespaces(2, prefix: "nft") { ns in
            let (ours, theirs) = (ns[0], ns[1])
            try ours.perform { try NFTConnection().commit(Self.referenceLayoutBatch()) }
            try theirs.check(["nft", "-f", "-"], input: referenceMasqueradeScript)
            let ourText = try ours.check(["nft", "list", "ruleset"])
            #expect(ourText == (try theirs.check(["nft", "list", "ruleset"])))
            #expect(ourText.contains("ip saddr 10.88.0.2 ip daddr != 10.88.0.0/16 masquerade comment \"c1\""))
            // The expressions too, as the kernel holds them (handles included: same order, same numbers).
            #expect(try ours.check(["nft", "--debug=netlink", "list", "ruleset"])
                == (try theirs.check(["nft", "--debug=netlink", "list", "ruleset"])))
        }
    }
}
