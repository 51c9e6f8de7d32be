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

/// A portmap-shaped layout (the reference's nftables portmap tables) plus filter statements.
let referencePortmapScript = """
    add table ip cni_hostport { comment "CNI portmap plugin" ; }
    add chain ip cni_hostport hostports
    add chain ip cni_hostport hostip_hostports
    add chain ip cni_hostport hostports_all
    add chain ip cni_hostport prerouting { type nat hook prerouting priority dstnat ; }
    add chain ip cni_hostport output { type nat hook output priority -100 ; }
    add chain ip cni_hostport masquerading { type nat hook postrouting priority srcnat ; }
    add rule ip cni_hostport hostports_all jump hostip_hostports
    add rule ip cni_hostport hostports_all jump hostports
    add rule ip cni_hostport prerouting fib daddr type local jump hostports_all
    add rule ip cni_hostport output fib daddr type local jump hostports_all
    add rule ip cni_hostport hostports ip daddr 192.168.1.5 tcp dport 8080 dnat to 10.88.0.2:80 comment "ctr1"
    add rule ip cni_hostport hostports udp dport 53 dnat to 10.88.0.2:5353 comment "ctr1"
    add rule ip cni_hostport masquerading ip saddr 10.88.0.2 ip daddr 10.88.0.2 masquerade comment "ctr1"
    add rule ip cni_hostport masquerading ip saddr 127.0.0.1 ip daddr 10.88.0.2 masquerade comment "ctr1"
    add rule ip cni_hostport masquerading ip saddr 0.0.0.0/0 ip daddr 10.88.0.3 masquerade comment "ctr2"
    add table ip6 cni_hostport { comment "CNI portmap plugin" ; }
    add chain ip6 cni_hostport hostports
    add rule ip6 cni_hostport hostports ip6 daddr fd00::1 sctp dport 8080 dnat to [fd00:88::2]:80 comment "ctr1"
    add table inet filt
    add chain inet filt fw { type filter hook forward priority filter ; policy drop ; }
    add rule inet filt fw iifname "cni0" oifname != "veth*" counter accept
    add rule inet filt fw ct state established,related accept
    add rule inet filt fw ip saddr 10.1.0.0/20 th dport 80 drop
    add rule inet filt fw meta l4proto udp ip6 saddr != fd00::/12 return
    add chain inet filt post { type nat hook postrouting priority srcnat ; }
    add rule inet filt post tcp sport 22 snat ip to 10.0.0.1

    """

extension NFTablesKernelTests {
    static func portmapLayoutBatch() -> NFTBatch {
        let t4 = NFTTableRef(.ip, "cni_hostport"), t6 = NFTTableRef(.ip6, "cni_hostport")
        let f = NFTTableRef(.inet, "filt")
        let a = IPAddress("10.88.0.2")!
        var b = NFTBatch()
        b.add(NFTTable(t4, comment: "CNI portmap plugin"))
        for name in ["hostports", "hostip_hostports", "hostports_all"] { b.add(NFTChain(t4.chain(name))) }
        b.add(NFTChain(t4.chain("prerouting"), base: .init(type: .nat, hook: .prerouting, priority: NFTPriority.dstnat)))
        b.add(NFTChain(t4.chain("output"), base: .init(type: .nat, hook: .output, priority: NFTPriority.dstnat)))
        b.add(NFTChain(t4.chain("masquerading"), base: .init(type: .nat, hook: .postrouting, priority: NFTPriority.srcnat)))
        b.add(NFTRule(chain: t4.chain("hostports_all")) { $0.verdict(.jump("hostip_hostports")) })
        b.add(NFTRule(chain: t4.chain("hostports_all")) { $0.verdict(.jump("hostports")) })
        for hook in ["prerouting", "output"] {
            b.add(NFTRule(chain: t4.chain(hook)) {
                $0.matchDestinationIsLocal()
                $0.verdict(.jump("hostports_all"))
            })
        }
        b.add(NFTRule(chain: t4.chain("hostports"), comment: "ctr1") {
            $0.match(.destination, address: IPAddress("192.168.1.5")!)
            $0.matchProtocol(.tcp)
            $0.matchPort(.destination, 8080)
            $0.dnat(to: a, port: 80)
        })
        b.add(NFTRule(chain: t4.chain("hostports"), comment: "ctr1") {
            $0.matchProtocol(.udp)
            $0.matchPort(.destination, 53)
            $0.dnat(to: a, port: 5353)
        })
        for source in ["10.88.0.2", "127.0.0.1"] {
            b.add(NFTRule(chain: t4.chain("masquerading"), comment: "ctr1") {
                $0.match(.source, address: IPAddress(source)!)
                $0.match(.destination, address: a)
                $0.masquerade()
            })
        }
        b.add(NFTRule(chain: t4.chain("masquerading"), comment: "ctr2") {
            $0.match(.source, IPNetwork("0.0.0.0/0")!)
            $0.match(.destination, address: IPAddress("10.88.0.3")!)
            $0.masquerade()
        })
        b.add(NFTTable(t6, comment: "CNI portmap plugin"))
        b.add(NFTChain(t6.chain("hostports")))
        b.add(NFTRule(chain: t6.chain("hostports"), comment: "ctr1") {
            $0.match(.destination, address: IPAddress("fd00::1")!)
            $0.matchProtocol(.sctp)
            $0.matchPort(.destination, 8080)
            $0.dnat(to: IPAddress("fd00:88::2")!, port: 80)
        })
        b.add(NFTTable(f))
        b.add(NFTChain(f.chain("fw"), base: .init(type: .filter, hook: .forward, priority: NFTPriority.filter, policy: .drop)))
        b.add(NFTRule(chain: f.chain("fw")) {
            $0.matchInterface(.input, name: "cni0")
            $0.matchInterface(.output, .neq, name: "veth*")
            $0.counter()
            $0.verdict(.accept)
        })
        b.add(NFTRule(chain: f.chain("fw")) {
            $0.matchConntrackState([.established, .related])
            $0.verdict(.accept)
        })
        b.add(NFTRule(chain: f.chain("fw")) {
            $0.match(.source, IPNetwork("10.1.0.0/20")!)
            $0.matchPort(.destination, 80)
            $0.verdict(.drop)
        })
        b.add(NFTRule(chain: f.chain("fw")) {
            $0.matchProtocol(.udp)
            $0.match(.source, .neq, IPNetwork("fd00::/12")!)
            $0.verdict(.return)
        })
        b.add(NFTChain(f.chain("post"), base: .init(type: .nat, hook: .postrouting, priority: NFTPriority.srcnat)))
        b.add(NFTRule(chain: f.chain("post")) {
            $0.matchProtocol(.tcp)
            $0.matchPort(.source, 22)
            $0.snat(to: IPAddress("10.0.0.1")!)
        })
        return b
    }

    @Test func portmapShapedRulesListExactlyLikeNftMadeOnes() throws {
        try withTestNamespaces(2, prefix: "nft") { ns in
            let (ours, theirs) = (ns[0], ns[1])
            try ours.perform { try NFTConnection().commit(Self.portmapLayoutBatch()) }
            try theirs.check(["nft", "-f", "-"], input: referencePortmapScript)
            let ourText = try ours.check(["nft", "list", "ruleset"])
            #expect(ourText == (try theirs.check(["nft", "list", "ruleset"])))
            #expect(ourText.contains("ip daddr 192.168.1.5 tcp dport 8080 dnat to 10.88.0.2:80 comment \"ctr1\""))
            #expect(ourText.contains("sctp dport 8080 dnat to [fd00:88::2]:80"))
            #expect(try ours.check(["nft", "--debug=netlink", "list", "ruleset"])
                == (try theirs.check(["nft", "--debug=netlink", "list", "ruleset"])))
        }
    }

    @Test func listsRulesWithHandlesCommentsAndExpressions() throws {
        try withTestNamespaces(1, prefix: "nft") { ns in
            let host = ns[0]
            // Rules made by the nft CLI list with their comments, as do ours, in chain order.
            try host.check(["nft", "-f", "-"], input: referenceMasqueradeScript)
            let masq = Self.table.chain("masq_checks")
            let built = Self.referenceLayoutBatch().operations.compactMap { op -> NFTRule? in
                if case .addRule(let r) = op, r.chain == masq { return r }
                return nil
            }
            let listed = try host.perform { try NFTConnection().rules(in: masq) }
            #expect(listed.map(\.comment) == ["c1", "c2"])
            #expect(listed.map(\.expressions) == built.map(\.expressions))
            #expect(listed[0].handle < listed[1].handle)
            let handles = try host.check(["nft", "-a", "list", "chain", "inet", "cni_plugins_masquerade", "masq_checks"])
            #expect(handles.contains("comment \"c1\" # handle \(listed[0].handle)"))

            // A missing chain or table lists as empty.
            let missing = try host.perform { () throws -> ([NFTListedRule], [NFTListedRule], Bool, Bool) in
                let c = try NFTConnection()
                return (
                    try c.rules(in: Self.table.chain("nope")), try c.rules(in: NFTTableRef(.ip, "nope").chain("x")),
                    try c.tableExists(NFTTableRef(.ip, "nope")), try c.chainExists(masq)
                )
            }
            #expect(missing.0.isEmpty && missing.1.isEmpty && !missing.2 && missing.3)
        }
    }

    @Test func deletesByHandleFlushesAndDeletes() throws {
        try withTestNamespaces(1, prefix: "nft") { ns in
            let host = ns[0]
            let masq = Self.table.chain("masq_checks"), post = Self.table.chain("postrouting")
            try host.perform {
                let c = try NFTConnection()
                try c.commit(Self.referenceLayoutBatch())
                let first = try #require(try c.rules(in: masq).first)
                var b = NFTBatch()
                b.deleteRule(first)
                try c.commit(b)
                #expect(try c.rules(in: masq).map(\.comment) == ["c2"])
                try c.commit(NFTBatch([.flushChain(post)]))
                #expect(try c.rules(in: post).isEmpty)
                try c.commit(NFTBatch([.deleteChain(post)]))
                #expect(try !c.chainExists(post))
                try c.commit(NFTBatch([.flushTable(Self.table), .deleteChain(masq)]))
                #expect(try c.tableExists(Self.table))
                try c.commit(NFTBatch([.deleteTable(Self.table)]))
                #expect(try !c.tableExists(Self.table))
            }
            #expect(try host.check(["nft", "list", "ruleset"]) == "")
        }
    }

    @Test func addingTablesAndChainsAgainKeepsTheirRules() throws {
        try withTestNamespaces(1, prefix: "nft") { ns in
            try ns[0].perform {
                let c = try NFTConnection()
                try c.commit(Self.referenceLayoutBatch())
                var again = NFTBatch()
                for op in Self.referenceLayoutBatch().operations {
                    if case .addTable = op { again.append(op) }
                    if case .addChain = op { again.append(op) }
                }
                try c.commit(again)
                #expect(try c.rules(in: Self.table.chain("masq_checks")).count == 2)
            }
        }
    }

    @Test func aFailedBatchChangesNothingAndNamesTheFailingOperation() throws {
        try withTestNamespaces(1, prefix: "nft") { ns in
            let error = try ns[0].perform { () -> NFTError? in
                let c = try NFTConnection()
                var b = NFTBatch()
                b.add(NFTTable(NFTTableRef(.ip, "kept_out")))
                b.add(NFTRule(chain: NFTTableRef(.ip, "kept_out").chain("missing")) { $0.verdict(.accept) })
                do {
                    try c.commit(b)
                    return nil
                } catch {
                    #expect(try !c.tableExists(NFTTableRef(.ip, "kept_out")))
                    return error as? NFTError
                }
            }
            let e = try #require(error)
            #expect(e.errno == .noSuchFileOrDirectory)
            #expect(e.isNotFound)
            #expect(e.operation == "add rule to ip kept_out missing")
            #expect(e.description.hasPrefix("nftables: add rule to ip kept_out missing: "))
            #expect(try ns[0].check(["nft", "list", "ruleset"]) == "")
        }
    }

    @Test func rejectsAnOverlongCommentBeforeSending() throws {
        try withTestNamespaces(1, prefix: "nft") { ns in
            let thrown = try ns[0].perform { () -> NFTError? in
                var b = NFTBatch()
                b.add(NFTTable(NFTTableRef(.ip, "t")))
                b.add(NFTChain(NFTTableRef(.ip, "t").chain("c")))
                b.add(NFTRule(chain: NFTTableRef(.ip, "t").chain("c"), comment: String(repeating: "x", count: 129)) {
                    $0.verdict(.accept)
                })
                do { try NFTConnection().commit(b) } catch { return error as? NFTError }
                return nil
            }
            #expect(thrown?.code == .encoding)
            #expect(try ns[0].check(["nft", "list", "ruleset"]) == "")
        }
    }
}
