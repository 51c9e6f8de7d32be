import CNITestSupport
import Foundation
import NetAddress
import NFTables
import Testing

@testable import Firewall

@Suite(.enabled(if: isPrivileged), .serialized)
struct NFTablesMasqueradeKernelTests {
    let backend = NFTablesMasquerade()
    static let ctr1 = MasqueradeAttachment(
        network: "mynet", containerID: "ctr1", ifName: "eth0",
        addresses: [IPNetwork("10.88.0.2/16")!, IPNetwork("fd00:88::2/64")!])

    /// The comment, hashed by coreutils rather than by us.
    static func comment(_ net: String, _ ifName: String, _ id: String) throws -> String {
        try sha512Prefix(net, 16) + "-" + sha512Prefix("\(ifName):\(id)", 16) + ", net: \(net), if: \(ifName), id: \(id)"
    }

    @Test func setupWritesTheReferenceLayoutExactly() throws {
        try withTestNamespaces(2, prefix: "masq") { ns in
            let (ours, reference) = (ns[0], ns[1])
            try ours.perform { try backend.setup(Self.ctr1) }
            // What the reference's knftables transaction for the same attachment makes, run through nft.
            let c = try Self.comment("mynet", "eth0", "ctr1")
            let script = referenceMasqueradeScript
                .replacingOccurrences(of: "10.88.0.2 ", with: "10.88.0.2 ").replacingOccurrences(of: "\"c1\"", with: "\"\(c)\"")
                .replacingOccurrences(of: "\"c2\"", with: "\"\(c)\"")
            try reference.check(["nft", "-f", "-"], input: script)
            let text = try ours.check(["nft", "list", "ruleset"])
            #expect(text == (try reference.check(["nft", "list", "ruleset"])))
            #expect(text == """
                table inet cni_plugins_masquerade {
                \tcomment "Masquerading for plugins from github.com/containernetworking/plugins"
                \tchain masq_checks {
                \t\tcomment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet"
                \t\tip saddr 10.88.0.2 ip daddr != 10.88.0.0/16 masquerade comment "\(c)"
                \t\tip6 saddr fd00:88::2 ip6 daddr != fd00:88::/64 masquerade comment "\(c)"
                \t}

                \tchain postrouting {
                \t\ttype nat hook postrouting priority srcnat; policy accept;
                \t\tip daddr 224.0.0.0/4 return
                \t\tip6 daddr ff00::/8 return
                \t\tgoto masq_checks
                \t}
                }

                """)
            #expect(try ours.check(["nft", "--debug=netlink", "list", "ruleset"])
                == (try reference.check(["nft", "--debug=netlink", "list", "ruleset"])))
        }
    }

    @Test func setupIsIdempotentAndReplacesTheAttachmentsStaleRules() throws {
        try withTestNamespaces(1, prefix: "masq") { ns in
            let host = ns[0]
            let ctr2 = MasqueradeAttachment(network: "mynet", containerID: "ctr2", ifName: "eth0", addresses: [IPNetwork("10.88.0.3/16")!])
            try host.perform {
                try backend.setup(Self.ctr1)
                try backend.setup(ctr2)
            }
            let once = try host.check(["nft", "list", "ruleset"])
            try host.perform { try backend.setup(Self.ctr1) }
            #expect(try host.check(["nft", "list", "ruleset"]) == once)
            // A new address for the same attachment replaces its rules, in the same transaction.
            var moved = Self.ctr1
            moved.addresses = [IPNetwork("10.88.0.9/16")!]
            try host.perform { try backend.setup(moved) }
            let text = try host.check(["nft", "list", "chain", "inet", "cni_plugins_masquerade", "masq_checks"])
            #expect(text.contains("ip saddr 10.88.0.9 "))
            #expect(!text.contains("ip saddr 10.88.0.2 ") && !text.contains("fd00:88::2"))
            #expect(text.contains("ip saddr 10.88.0.3 "))
            try host.perform { try backend.check(moved) }
        }
    }

    @Test func teardownNeedsNoAddressesAndIsIdempotent() throws {
        try withTestNamespaces(1, prefix: "masq") { ns in
            let host = ns[0]
            let ctr2 = MasqueradeAttachment(network: "mynet", containerID: "ctr2", ifName: "eth0", addresses: [IPNetwork("10.88.0.3/16")!])
            // Nothing there yet: teardown succeeds and creates nothing.
            try host.perform { try backend.teardown(Self.ctr1) }
            #expect(try host.check(["nft", "list", "ruleset"]) == "")
            try host.perform {
                try backend.setup(Self.ctr1)
                try backend.setup(ctr2)
                try backend.teardown(MasqueradeAttachment(network: "mynet", containerID: "ctr1", ifName: "eth0"))
            }
            let rules = try host.perform { try NFTConnection().rules(in: NFTablesMasquerade.checks) }
            #expect(rules.count == 1)
            #expect(rules.first?.comment?.hasSuffix("id: ctr2") == true)
            try host.perform { try backend.teardown(ctr2) }
            try host.perform { try backend.teardown(ctr2) }
            #expect(try host.perform { try NFTConnection().rules(in: NFTablesMasquerade.checks) }.isEmpty)
            // As in the reference, the table and its chains stay (removing them would race a concurrent ADD).
            #expect(try host.check(["nft", "list", "chain", "inet", "cni_plugins_masquerade", "postrouting"]).contains("goto masq_checks"))
        }
    }

    @Test func gcKeepsValidAttachmentsAndOtherNetworks() throws {
        try withTestNamespaces(1, prefix: "masq") { ns in
            let host = ns[0]
            let a = [
                MasqueradeAttachment(network: "mynet", containerID: "ctr1", ifName: "eth0", addresses: [IPNetwork("10.88.0.2/16")!]),
                MasqueradeAttachment(network: "mynet", containerID: "ctr1", ifName: "eth1", addresses: [IPNetwork("10.88.0.4/16")!]),
                MasqueradeAttachment(network: "mynet", containerID: "ctr2", ifName: "eth0", addresses: [IPNetwork("10.88.0.3/16")!]),
                MasqueradeAttachment(network: "other", containerID: "ctr9", ifName: "eth0", addresses: [IPNetwork("10.99.0.3/16")!]),
            ]
            try host.perform {
                for attachment in a { try backend.setup(attachment) }
                try backend.gc(network: "mynet", keeping: [AttachmentID(containerID: "ctr1", ifName: "eth0")])
            }
            let comments = try host.perform { try NFTConnection().rules(in: NFTablesMasquerade.checks) }.compactMap(\.comment)
            #expect(comments.count == 2)
            #expect(comments.contains { $0.hasSuffix("net: mynet, if: eth0, id: ctr1") })
            #expect(comments.contains { $0.hasSuffix("net: other, if: eth0, id: ctr9") })
            // GC with nothing to do sends nothing and fails nothing.
            try host.perform { try backend.gc(network: "absent", keeping: []) }
        }
    }

    @Test func checkFindsMissingRules() throws {
        try withTestNamespaces(1, prefix: "masq") { ns in
            let host = ns[0]
            let failure = try host.perform { () -> FirewallError? in
                try backend.setup(Self.ctr1)
                try backend.check(Self.ctr1)
                try backend.teardown(Self.ctr1)
                do { try backend.check(Self.ctr1) } catch { return error as? FirewallError }
                return nil
            }
            #expect(failure?.code == .checkFailed)
            #expect(failure?.description.contains("no rule for 10.88.0.2") == true)
        }
    }
}
