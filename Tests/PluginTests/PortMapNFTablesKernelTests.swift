import CNI
import CNITestSupport
import Firewall
import Foundation
import NFTables
import NetAddress
import Testing

@testable import PortMap

/// The nftables backend against the kernel, each test in throwaway namespaces.
@Suite(.enabled(if: isPrivileged), .serialized)
struct PortMapNFTablesKernelTests {
    let mapper = NFTablesPortMapper()
    typealias F = PortMapFixtures

    /// What `nft -f` makes of the same objects: the reference HEAD's script for ctr1, with our
    /// comments, our anchor chain, and the DNAT rules inserted rather than appended.
    static func nftScript(_ a: PortMapAttachment) throws -> String {
        let c = try F.comment(a)
        let anchor = "attachment-" + c.prefix(33)
        var s = ""
        for (family, ip, subnet) in [("ip", "10.88.0.2", "10.88.0.0/16"), ("ip6", "fd00:88::2", "fd00:88::/64")] {
            let to = family == "ip" ? ip : "[\(ip)]"
            s += """
                add table \(family) cni_hostport { comment "CNI portmap plugin" ; }
                add chain \(family) cni_hostport hostports
                add chain \(family) cni_hostport hostip_hostports
                add chain \(family) cni_hostport hostports_all
                add rule \(family) cni_hostport hostports_all jump hostip_hostports
                add rule \(family) cni_hostport hostports_all jump hostports
                add chain \(family) cni_hostport prerouting { type nat hook prerouting priority -100 ; }
                add rule \(family) cni_hostport prerouting fib daddr type local jump hostports_all
                add chain \(family) cni_hostport output { type nat hook output priority -100 ; }
                add rule \(family) cni_hostport output fib daddr type local jump hostports_all
                add chain \(family) cni_hostport masquerading { type nat hook postrouting priority 100 ; }
                add chain \(family) cni_hostport \(anchor) { comment "hostports=2 masquerading=\(family == "ip" ? 2 : 1) address=\(ip) udp=1; net: mynet, if: eth0, id: ctr1" ; }
                insert rule \(family) cni_hostport hostports udp dport 5300 dnat to \(to):53 comment "\(c)"
                insert rule \(family) cni_hostport hostports tcp dport 8080 dnat to \(to):80 comment "\(c)"
                add rule \(family) cni_hostport masquerading \(family) saddr \(subnet) \(family) daddr \(ip) ct status dnat masquerade comment "\(c)"

                """
            if family == "ip" {
                s += "add rule ip cni_hostport masquerading ip saddr 127.0.0.1 ip daddr \(ip) masquerade comment \"\(c)\"\n"
            }
        }
        return s
    }

    @Test func forwardWritesWhatNftWouldWrite() throws {
        try withTestNamespaces(2, prefix: "pmn") { ns in
            let (ours, reference) = (ns[0], ns[1])
            let a = F.attachment("ctr1")
            try ours.perform { try mapper.forward(a) }
            try reference.check(["nft", "-f", "-"], input: try Self.nftScript(a))
            #expect(try ours.ruleset() == (try reference.ruleset()))
            // Same expressions, byte for byte, as nft's own parser emits for the same words.
            #expect(try ours.check(["nft", "--debug=netlink", "list", "ruleset"])
                == (try reference.check(["nft", "--debug=netlink", "list", "ruleset"])))
            try ours.perform { try mapper.check(a) }
        }
    }

    @Test func theRulesHaveTheHandlesAfterTheAnchors() throws {
        try withTestNamespaces(1, prefix: "pmn") { ns in
            let a = F.attachment("ctr1"), b = F.attachment("ctr2", v4: "10.88.0.3/16", v6: nil)
            let (anchor, rules) = try ns[0].perform { () throws -> (UInt64, [NFTListedRule]) in
                try mapper.forward(a)
                try mapper.forward(b)
                let c = try NFTConnection()
                let anchor = try #require(try c.chain(NFTPortMapLayout.anchor(for: a, family: .v4)))
                let tag = NFTPortMapLayout.tag(a)
                let rules = try NFTPortMapLayout.ruleChains(.v4).flatMap { try c.rules(in: $0) { $0?.hasPrefix(tag) == true } }
                return (anchor.handle, rules)
            }
            // DNAT rules are inserted (in reverse), masquerade rules appended: the handles are the
            // anchor's successors all the same.
            #expect(rules.map(\.handle).sorted() == Array(anchor + 1...anchor + 4))
            #expect(rules.map(\.chain.name) == ["hostports", "hostports", "masquerading", "masquerading"])
            #expect(rules[0].handle == anchor + 2 && rules[1].handle == anchor + 1)
        }
    }

    @Test func laterAddsLeaveTheSharedChainsAloneUnlessWrong() throws {
        try withTestNamespaces(1, prefix: "pmn") { ns in
            let host = ns[0]
            let shared = { () throws -> String in
                try ["prerouting", "output", "hostports_all"].map {
                    try host.check(["nft", "-a", "list", "chain", "ip", "cni_hostport", $0])
                }.joined()
            }
            try host.perform { try mapper.forward(F.attachment("ctr1", v6: nil)) }
            let first = try shared()
            // No flush and no chain update: the rules keep their handles (such a transaction would
            // leave RCU-deferred work that closing the socket waits for).
            try host.perform { try mapper.forward(F.attachment("ctr2", v4: "10.88.0.3/16", v6: nil)) }
            #expect(try shared() == first)
            // The reference with conditions (or an older layout) wrote something else: rewritten.
            try host.check(["nft", "flush", "chain", "ip", "cni_hostport", "prerouting"])
            try host.check(["nft", "add", "rule", "ip", "cni_hostport", "prerouting", "ip", "daddr", "!=", "127.0.0.0/8", "jump", "hostports"])
            try host.perform { try mapper.forward(F.attachment("ctr3", v4: "10.88.0.4/16", v6: nil)) }
            let prerouting = try host.check(["nft", "list", "chain", "ip", "cni_hostport", "prerouting"])
            #expect(prerouting.contains("\t\tfib daddr type local jump hostports_all\n") && !prerouting.contains("127.0.0.0/8"))
        }
    }

    @Test func unforwardNeedsOnlyTheIdentityAndTouchesNoOtherAttachment() throws {
        try withTestNamespaces(2, prefix: "pmn") { ns in
            let (host, expected) = (ns[0], ns[1])
            let ctr1 = F.attachment("ctr1")
            let others = [
                F.attachment("ctr2", v4: "10.88.0.3/16", v6: "fd00:88::3/64"),
                F.attachment("ctr1", ifName: "net1", v4: "10.99.0.2/24", v6: nil),  // same container, other interface
                F.attachment("ctr1", network: "net2", v4: "10.77.0.2/24", v6: nil),  // same container, other network
            ]
            try expected.perform { for o in others { try mapper.forward(o) } }
            let before = try host.ruleset()
            let stale = try host.perform { () throws -> StaleFlows in
                try mapper.forward(ctr1)
                for o in others { try mapper.forward(o) }
                return try mapper.unforward(F.identity(ctr1))
            }
            // Exactly ctr1/eth0's rules went, and its UDP destinations are reported for the flush.
            #expect(stale.udpDestinations == [IPAddress("10.88.0.2")!, IPAddress("fd00:88::2")!])
            let after = try host.ruleset()
            #expect(!after.contains("10.88.0.2") && !after.contains("fd00:88::2"))
            #expect(after == (try expected.ruleset()))
            // Again: nothing left to do.
            let again = try host.perform { try mapper.unforward(F.identity(ctr1)) }
            #expect(again == StaleFlows())
            #expect(try host.ruleset() == after)
            _ = before
        }
    }

    @Test func forwardAgainReplacesTheAttachmentsRules() throws {
        try withTestNamespaces(1, prefix: "pmn") { ns in
            let host = ns[0]
            try host.perform {
                try mapper.forward(F.attachment("ctr1"))
                try mapper.forward(F.attachment("ctr2", v4: "10.88.0.3/16", v6: nil))
            }
            let once = try host.ruleset()
            try host.perform { try mapper.forward(F.attachment("ctr1")) }
            // The same rules, ctr1's DNAT rules moved to the top (the latest ADD of a port wins).
            #expect(try host.ruleset().split(separator: "\n").sorted() == once.split(separator: "\n").sorted())
            #expect(try host.ruleset() != once)
            // New mappings and a new address replace the old ones in the same transaction.
            let moved = F.attachment("ctr1", v4: "10.88.0.9/16", v6: nil, mappings: [PortMapping(proto: .sctp, hostPort: 9999, containerPort: 99)])
            try host.perform { try mapper.forward(moved) }
            let text = try host.ruleset()
            #expect(text.contains("sctp dport 9999 dnat to 10.88.0.9:99"))
            #expect(!text.contains("10.88.0.2") && !text.contains("fd00:88::2") && !text.contains("dport 8080 dnat to 10.88.0.2"))
            #expect(text.contains("dnat to 10.88.0.3:80"))
            try host.perform { try mapper.check(moved) }
        }
    }

    @Test func unforwardFallsBackToTheTagWhenTheRulesWereEditedByHand() throws {
        try withTestNamespaces(1, prefix: "pmn") { ns in
            let host = ns[0]
            let a = F.attachment("ctr1", v6: nil)
            try host.perform {
                try mapper.forward(a)
                try mapper.forward(F.attachment("ctr2", v4: "10.88.0.3/16", v6: nil))
            }
            // Delete one of ctr1's rules and add a foreign rule with the next handle.
            let handle = try host.perform { () throws -> UInt64 in
                try #require(try NFTConnection().chain(NFTPortMapLayout.anchor(for: a, family: .v4))).handle
            }
            try host.check(["nft", "delete", "rule", "ip", "cni_hostport", "hostports", "handle", String(handle + 1)])
            try host.check(["nft", "add", "rule", "ip", "cni_hostport", "hostports", "tcp", "dport", "1", "accept"])
            try host.perform { _ = try mapper.unforward(F.identity(a)) }
            let text = try host.ruleset()
            #expect(!text.contains("10.88.0.2") && !text.contains("attachment-\(NFTPortMapLayout.tag(a))"))
            #expect(text.contains("tcp dport 1 accept") && text.contains("10.88.0.3"))
        }
    }

    @Test func unforwardRemovesTheReferencesRulesOfTheContainerWhenGivenMappings() throws {
        try withTestNamespaces(1, prefix: "pmn") { ns in
            let host = ns[0]
            // What the reference HEAD leaves for ctr9 and ctr8 (comment = container ID).
            try host.check(["nft", "-f", "-"], input: """
                add table ip cni_hostport { comment "CNI portmap plugin" ; }
                add chain ip cni_hostport hostports
                add chain ip cni_hostport hostip_hostports
                add chain ip cni_hostport masquerading { type nat hook postrouting priority 100 ; }
                add rule ip cni_hostport hostports tcp dport 8080 dnat to 10.88.0.9:80 comment "ctr9"
                add rule ip cni_hostport hostip_hostports ip daddr 10.0.0.1 tcp dport 8081 dnat to 10.88.0.9:81 comment "ctr9"
                add rule ip cni_hostport masquerading ip saddr 10.88.0.9 ip daddr 10.88.0.9 masquerade comment "ctr9"
                add rule ip cni_hostport hostports tcp dport 8082 dnat to 10.88.0.8:80 comment "ctr8"

                """)
            let ctr9 = F.attachment("ctr9", v4: "10.88.0.9/16", v6: nil)
            // Without mappings (the reference would do nothing either) its rules stay.
            try host.perform { _ = try mapper.unforward(F.identity(ctr9)) }
            #expect(try host.ruleset().contains("10.88.0.9"))
            try host.perform { _ = try mapper.unforward(ctr9) }
            let text = try host.ruleset()
            #expect(!text.contains("10.88.0.9") && text.contains("dnat to 10.88.0.8:80 comment \"ctr8\""))
        }
    }

    @Test func checkReportsWhatIsMissing() throws {
        try withTestNamespaces(1, prefix: "pmn") { ns in
            let host = ns[0]
            let a = F.attachment("ctr1", v6: nil)
            #expect(throws: PortMapError.self) { try host.perform { try mapper.check(a) } }
            try host.perform { try mapper.forward(a) }
            try host.perform { try mapper.check(a) }
            // CHECK of a v4-only container never looks for IPv6 rules (there are none).
            #expect(try !host.ruleset().contains("ip6"))
            // Other mappings than ADD's, or a deleted rule: failures naming the chain.
            var other = a
            other.mappings = [PortMapping(proto: .tcp, hostPort: 1234, containerPort: 80)]
            #expect(throws: PortMapError.self) { try host.perform { try mapper.check(other) } }
            try host.check(["nft", "flush", "chain", "ip", "cni_hostport", "masquerading"])
            do {
                try host.perform { try mapper.check(a) }
                Issue.record("CHECK passed without the masquerade rules")
            } catch let error as PortMapError {
                #expect(error.kind == .checkFailed && error.message.contains("masquerading"))
            }
        }
    }

    @Test func gcRemovesOnlyStaleAttachmentsOfItsNetwork() throws {
        try withTestNamespaces(2, prefix: "pmn") { ns in
            let (host, expected) = (ns[0], ns[1])
            let keep = F.attachment("keep", v4: "10.88.0.3/16", v6: nil)
            let otherNet = F.attachment("gone", network: "net2", v4: "10.77.0.2/24", v6: nil)
            try expected.perform {
                try mapper.forward(keep)
                try mapper.forward(otherNet)
            }
            let stale = try host.perform { () throws -> StaleFlows in
                try mapper.forward(F.attachment("gone"))
                try mapper.forward(F.attachment("keep", ifName: "net1", v4: "10.99.0.3/24", v6: nil))  // same container, stale ifname
                try mapper.forward(keep)
                try mapper.forward(otherNet)
                return try mapper.gc(network: "mynet", keeping: [ValidAttachment(containerID: "keep", ifName: "eth0")])
            }
            #expect(stale.udpDestinations == [IPAddress("10.88.0.2")!, IPAddress("fd00:88::2")!, IPAddress("10.99.0.3")!])
            // The ip6 table stays (empty chains), as tables are never deleted.
            let text = try host.ruleset()
            #expect(!text.contains("10.88.0.2") && !text.contains("10.99.0.3") && text.contains("10.88.0.3") && text.contains("10.77.0.2"))
            #expect(try host.check(["nft", "list", "table", "ip", "cni_hostport"]) == (try expected.check(["nft", "list", "table", "ip", "cni_hostport"])))
        }
    }

    @Test func conditionsGoOnTheAttachmentsRules() throws {
        try withTestNamespaces(1, prefix: "pmn") { ns in
            var o = PortMapOptions()
            o.conditionsV4 = ["ip daddr != { 127.0.0.0/8, 198.19.254.254 }"]
            let a = F.attachment("ctr1", v6: nil, mappings: [PortMapping(proto: .tcp, hostPort: 8080, containerPort: 80)], options: o)
            try ns[0].perform { try mapper.forward(a) }
            let text = try ns[0].check(["nft", "list", "chain", "ip", "cni_hostport", "hostports"])
            #expect(text.contains("ip daddr != 127.0.0.0/8 ip daddr != 198.19.254.254 tcp dport 8080 dnat to 10.88.0.2:80"))
            #expect(try ns[0].check(["nft", "list", "chain", "ip", "cni_hostport", "prerouting"]).contains("\tfib daddr type local jump hostports_all"))
        }
    }
}
