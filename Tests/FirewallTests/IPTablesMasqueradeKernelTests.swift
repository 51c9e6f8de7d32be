import CNITestSupport
import Foundation
import NetAddress
import Testing

@testable import Firewall

@Suite(.enabled(if: isPrivileged), .serialized)
struct IPTablesMasqueradeKernelTests {
    let backend = IPTablesMasquerade()
    static let ctr1 = MasqueradeAttachment(
        network: "mynet", containerID: "ctr1", ifName: "eth0",
        addresses: [IPNetwork("10.88.0.2/16")!, IPNetwork("fd00:88::2/64")!])
    static let chain = "CNI-5145007e2a8415ce07579739"
    static let comment = #""name: \"mynet\" id: \"ctr1\"""#

    @Test func setupWritesDebiansLayoutExactly() throws {
        try withTestNamespaces(1, prefix: "ipt") { ns in
            let host = ns[0]
            try host.perform { try backend.setup(Self.ctr1) }
            #expect(try host.natSave() == """
                *nat
                :PREROUTING ACCEPT [0:0]
                :INPUT ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                :POSTROUTING ACCEPT [0:0]
                :\(Self.chain) - [0:0]
                -A POSTROUTING -s 10.88.0.2/32 -m comment --comment \(Self.comment) -j \(Self.chain)
                -A \(Self.chain) -d 10.88.0.0/16 -m comment --comment \(Self.comment) -j ACCEPT
                -A \(Self.chain) ! -d 224.0.0.0/4 -m comment --comment \(Self.comment) -j MASQUERADE
                COMMIT

                """)
            #expect(try host.natSave(v6: true) == """
                *nat
                :PREROUTING ACCEPT [0:0]
                :INPUT ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                :POSTROUTING ACCEPT [0:0]
                :\(Self.chain) - [0:0]
                -A POSTROUTING -s fd00:88::2/128 -m comment --comment \(Self.comment) -j \(Self.chain)
                -A \(Self.chain) -d fd00:88::/64 -m comment --comment \(Self.comment) -j ACCEPT
                -A \(Self.chain) ! -d ff00::/8 -m comment --comment \(Self.comment) -j MASQUERADE
                COMMIT

                """)
            // Again: nothing changes, nothing is duplicated.
            let before = try host.natSave()
            try host.perform {
                try backend.setup(Self.ctr1)
                try backend.check(Self.ctr1)
            }
            #expect(try host.natSave() == before)
        }
    }

    @Test func teardownRestoresTheTableWithOrWithoutAddresses() throws {
        try withTestNamespaces(1, prefix: "ipt") { ns in
            let host = ns[0]
            // A fresh namespace has no nat table: teardown has nothing to read and succeeds.
            #expect(try host.perform { backend.tools.natMayHaveRules(.v4) } == false)
            try host.perform { try backend.teardown(Self.ctr1) }
            let ctr2 = MasqueradeAttachment(network: "mynet", containerID: "ctr2", ifName: "eth0", addresses: [IPNetwork("10.88.0.3/16")!])
            try host.perform { try backend.setup(ctr2) }
            let onlyCtr2 = try host.natSave()
            try host.perform {
                try backend.setup(Self.ctr1)
                #expect(backend.tools.natMayHaveRules(.v4))
                try backend.teardown(MasqueradeAttachment(network: "mynet", containerID: "ctr1", ifName: "eth0"))
            }
            #expect(try host.natSave() == onlyCtr2)
            #expect(try host.natSave(v6: true) == emptyNAT)
            try host.perform {
                try backend.teardown(ctr2)
                try backend.teardown(ctr2)
            }
            #expect(try host.natSave() == emptyNAT)
        }
    }

    @Test func teardownRemovesTheLegacySubnetJumpAndDuplicates() throws {
        try withTestNamespaces(1, prefix: "ipt") { ns in
            let host = ns[0]
            try host.perform { try backend.setup(Self.ctr1) }
            // What older plugins (-s <subnet>) and a rebooted VM (cni#925) leave behind.
            try host.check(["iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.88.0.2/16", "-m", "comment", "--comment", #"name: "mynet" id: "ctr1""#, "-j", Self.chain])
            try host.check(["iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.88.0.2", "-m", "comment", "--comment", #"name: "mynet" id: "ctr1""#, "-j", Self.chain])
            try host.perform { try backend.teardown(Self.ctr1) }
            #expect(try host.natSave() == emptyNAT)
            #expect(try host.natSave(v6: true) == emptyNAT)
        }
    }

    /// The programs behind wrappers that log each run, to count execs.
    static func countingTools(_ dir: String) throws -> IPTablesTools {
        let real = IPTablesTools.locate()
        func wrap(_ name: String, _ path: String?) throws -> String {
            let wrapper = dir + "/" + name
            try "#!/bin/sh\necho \(name) >> \(dir)/log\nexec \(path ?? "/bin/false") \"$@\"\n".write(toFile: wrapper, atomically: true, encoding: .utf8)
            chmod(wrapper, 0o755)
            return wrapper
        }
        return IPTablesTools(
            save4: try wrap("iptables-save", real.save4), restore4: try wrap("iptables-restore", real.restore4),
            save6: try wrap("ip6tables-save", real.save6), restore6: try wrap("ip6tables-restore", real.restore6))
    }

    @Test func teardownWithAddressesIsOneExecPerFamilyAndFallsBackWhenTheTableDiffers() throws {
        let dir = NSTemporaryDirectory() + "swcni-ipt-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let counted = IPTablesMasquerade(tools: try Self.countingTools(dir))
        let log = { () -> [String] in
            defer { try? FileManager.default.removeItem(atPath: dir + "/log") }
            return ((try? String(contentsOfFile: dir + "/log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        #expect(IPTablesMasquerade.teardownLines(Self.ctr1, [Self.ctr1.addresses[0]]) == [
            #"-D POSTROUTING -s 10.88.0.2/32 -m comment --comment "name: \"mynet\" id: \"ctr1\"" -j \#(Self.chain)"#,
            "-F \(Self.chain)", "-X \(Self.chain)",
        ])
        try withTestNamespaces(1, prefix: "ipt") { ns in
            let host = ns[0]
            try host.perform { try counted.setup(Self.ctr1) }
            _ = log()
            // The common case: the layout as setup wrote it, addresses known.
            try host.perform { try counted.teardown(Self.ctr1) }
            #expect(log() == ["iptables-restore", "ip6tables-restore"])
            #expect(try host.natSave() == emptyNAT && host.natSave(v6: true) == emptyNAT)

            // A duplicated jump keeps the chain referenced: the transaction fails whole, and the
            // table is read to find every jump.
            try host.perform { try counted.setup(Self.ctr1) }
            try host.check(["iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.88.0.2", "-m", "comment", "--comment", #"name: "mynet" id: "ctr1""#, "-j", Self.chain])
            _ = log()
            try host.perform { try counted.teardown(Self.ctr1) }
            #expect(log() == ["iptables-restore", "iptables-save", "iptables-restore", "ip6tables-restore"])
            #expect(try host.natSave() == emptyNAT && host.natSave(v6: true) == emptyNAT)

            // The jump already gone (a half-done teardown): the fallback still removes the chain.
            try host.perform { try counted.setup(Self.ctr1) }
            try host.check(["iptables", "-t", "nat", "-D", "POSTROUTING", "-s", "10.88.0.2/32", "-m", "comment", "--comment", #"name: "mynet" id: "ctr1""#, "-j", Self.chain])
            try host.perform { try counted.teardown(Self.ctr1) }
            #expect(try host.natSave() == emptyNAT && host.natSave(v6: true) == emptyNAT)
            // Nothing left: nothing is run (the chain's absence is read over netlink).
            _ = log()
            try host.perform { try counted.teardown(Self.ctr1) }
            #expect(log() == [])
        }
    }

    @Test func gcRemovesChainsOfDeadContainersOfTheNetwork() throws {
        try withTestNamespaces(1, prefix: "ipt") { ns in
            let host = ns[0]
            let alive = MasqueradeAttachment(network: "mynet", containerID: "alive", ifName: "eth0", addresses: [IPNetwork("10.88.0.5/16")!])
            let dead = MasqueradeAttachment(network: "mynet", containerID: "dead", ifName: "eth0", addresses: [IPNetwork("10.88.0.6/16")!, IPNetwork("fd00:88::6/64")!])
            let other = MasqueradeAttachment(network: "other", containerID: "dead", ifName: "eth0", addresses: [IPNetwork("10.99.0.6/16")!])
            try host.perform { try backend.setup(alive) }
            let aliveOnly = try host.natSave()
            try host.perform {
                try backend.setup(other)
                try backend.setup(dead)
                try backend.gc(network: "mynet", keeping: [AttachmentID(containerID: "alive", ifName: "eth0")])
            }
            let text = try host.natSave()
            #expect(!text.contains(FirewallNames.iptablesChain(network: "mynet", containerID: "dead")))
            #expect(text.contains(FirewallNames.iptablesChain(network: "mynet", containerID: "alive")))
            #expect(text.contains(FirewallNames.iptablesChain(network: "other", containerID: "dead")))
            #expect(try host.natSave(v6: true) == emptyNAT)
            try host.perform { try backend.teardown(other) }
            #expect(try host.natSave() == aliveOnly)
        }
    }

    @Test func checkNamesTheMissingRule() throws {
        try withTestNamespaces(1, prefix: "ipt") { ns in
            let host = ns[0]
            try host.perform { try backend.setup(Self.ctr1) }
            try host.check(["iptables", "-t", "nat", "-D", Self.chain, "!", "-d", "224.0.0.0/4", "-m", "comment", "--comment", #"name: "mynet" id: "ctr1""#, "-j", "MASQUERADE"])
            let failure = try host.perform { () -> FirewallError? in
                do { try backend.check(Self.ctr1) } catch { return error as? FirewallError }
                return nil
            }
            #expect(failure?.code == .checkFailed)
            #expect(failure?.description.contains("MASQUERADE") == true)
            try host.perform { try backend.teardown(Self.ctr1) }
        }
    }

    @Test func iptablesErrorsCarryTheToolsMessage() throws {
        try withTestNamespaces(1, prefix: "ipt") { ns in
            let failure = try ns[0].perform { () -> FirewallError? in
                do {
                    try backend.tools.restoreNAT(.v4, ["-A NOSUCHCHAIN -j ACCEPT"], what: "add a rule to a missing chain")
                } catch { return error as? FirewallError }
                return nil
            }
            #expect(failure?.code == .iptables)
            #expect(failure?.description.hasPrefix("add a rule to a missing chain: /usr/sbin/iptables-restore exit status") == true)
        }
    }
}
