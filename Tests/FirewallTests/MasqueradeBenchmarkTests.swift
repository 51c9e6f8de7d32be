import CNITestSupport
import Foundation
import NetAddress
import Spawn
import Testing

@testable import Firewall

/// Time for one masquerade setup: ours vs the reference's command sequences, in throwaway namespaces.
/// Run with `SWCNI_BENCH=1 swift test --filter MasqueradeBenchmark` (skipped otherwise: it takes ~30 s).
@Suite(.enabled(if: isPrivileged && isBenchmarkRun), .serialized)
struct MasqueradeBenchmarkTests {
    static func median(_ samples: [Double]) -> Double {
        let s = samples.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func ms(_ samples: [Double]) -> String {
        String(format: "median %.2f ms (min %.2f, n=%d)", median(samples) * 1000, samples.min()! * 1000, samples.count)
    }

    static func attachment(_ i: Int) -> MasqueradeAttachment {
        MasqueradeAttachment(
            network: "mynet", containerID: "bench\(i)", ifName: "eth0",
            addresses: [IPNetwork(address: IPAddress(v4: 0x0a58_0000 + UInt32(i) + 2), prefixLength: 16)!])
    }

    /// Runs `argv` (with `input`) through the same posix_spawn path, failing on a non-zero exit.
    static func exec(_ argv: [String], _ input: String = "") throws {
        let r = try Subprocess.run(ChildProcessRunner(), argv[0], Array(argv.dropFirst()), input: Array(input.utf8))
        if !r.succeeded { throw BenchFailure(description: "\(argv.joined(separator: " ")): \(r.status) \(r.stderr)") }
    }

    /// The exec sequence of the reference's nftables setup (knftables): New() runs `nft --version` and a
    /// `--check` transaction, findRules lists the chain as JSON, Run applies the transaction.
    static func referenceNFTSetup(_ a: MasqueradeAttachment) throws {
        let ip = a.addresses[0]
        let comment = FirewallNames.masqueradeComment(network: a.network, ifName: a.ifName, containerID: a.containerID)
        try exec(["/usr/sbin/nft", "--version"])
        try exec(["/usr/sbin/nft", "--check", "-f", "-"], "add table inet cni_plugins_masquerade { comment \"test\" ; }\n")
        let list = try Subprocess.run(ChildProcessRunner(), "/usr/sbin/nft", ["--json", "list", "chain", "inet", "cni_plugins_masquerade", "masq_checks"])
        _ = list
        try exec(["/usr/sbin/nft", "-f", "-"], referenceMasqueradeScript
            .split(separator: "\n").prefix(7).joined(separator: "\n") + "\n"
            + "add rule inet cni_plugins_masquerade masq_checks ip saddr == \(ip.address) ip daddr != \(ip.network) masquerade comment \"\(comment)\"\n")
    }

    /// The exec sequence of Debian 1.1.1's iptables setup for one address (go-iptables): version probe,
    /// list chains, create the chain, then check-and-append for each of the three rules.
    static func referenceIPTablesSetup(_ a: MasqueradeAttachment) throws {
        let ip = a.addresses[0]
        let chain = FirewallNames.iptablesChain(network: a.network, containerID: a.containerID)
        let comment = ["-m", "comment", "--comment", FirewallNames.iptablesComment(network: a.network, containerID: a.containerID)]
        let ipt = "/usr/sbin/iptables"
        try exec([ipt, "--version"])
        try exec([ipt, "-t", "nat", "-S", "--wait"])
        try exec([ipt, "-t", "nat", "-N", chain, "--wait"])
        for rule in [
            [chain, "-d", ip.network.description, "-j", "ACCEPT"] + comment,
            [chain, "!", "-d", "224.0.0.0/4", "-j", "MASQUERADE"] + comment,
            ["POSTROUTING", "-s", ip.address.description, "-j", chain] + comment,
        ] {
            _ = try Subprocess.run(ChildProcessRunner(), ipt, ["-t", "nat", "-C"] + rule + ["--wait"])
            try exec([ipt, "-t", "nat", "-A"] + rule + ["--wait"])
        }
    }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test func setupTimes() throws {
        let n = 30
        try withTestNamespaces(4, prefix: "bench") { ns in
            let (a, b, c, d) = (ns[0], ns[1], ns[2], ns[3])
            var oursNFT: [Double] = [], refNFT: [Double] = [], oursIPT: [Double] = [], refIPT: [Double] = []
            var oursNFTDel: [Double] = [], oursIPTDel: [Double] = [], oursIPTDelRead: [Double] = []
            for i in 0..<n {  // interleaved, so drift hits every column alike
                let at = Self.attachment(i)
                oursNFT.append(try a.perform { try Self.time { try NFTablesMasquerade().setup(at) } })
                refNFT.append(try b.perform { try Self.time { try Self.referenceNFTSetup(at) } })
                oursIPT.append(try c.perform { try Self.time { try IPTablesMasquerade().setup(at) } })
                refIPT.append(try d.perform { try Self.time { try Self.referenceIPTablesSetup(at) } })
            }
            for i in 0..<n {
                let at = Self.attachment(i)
                oursNFTDel.append(try a.perform { try Self.time { try NFTablesMasquerade().teardown(at) } })
                // Alternately with the addresses (one iptables-restore) and without (iptables-save first).
                if i % 2 == 0 {
                    oursIPTDel.append(try c.perform { try Self.time { try IPTablesMasquerade().teardown(at) } })
                } else {
                    let bare = MasqueradeAttachment(network: at.network, containerID: at.containerID, ifName: at.ifName)
                    oursIPTDelRead.append(try c.perform { try Self.time { try IPTablesMasquerade().teardown(bare) } })
                }
            }
            // Back to back, with no exec between runs (how a plugin process sees it: one setup, nothing else).
            let quiet = try withTestNamespaces(1, prefix: "bench") { q in
                try q[0].perform { try (0..<n).map { i in try Self.time { try NFTablesMasquerade().setup(Self.attachment(i)) } } }
            }
            print("BENCH nftables setup, ours (in-process: 2 lists + 1 batch, socket close included): \(Self.ms(oursNFT))")
            print("BENCH nftables setup, ours back to back: \(Self.ms(quiet))")
            print("BENCH nftables setup, reference exec sequence (4 x nft): \(Self.ms(refNFT))")
            print("BENCH iptables setup, ours (iptables-save + iptables-restore): \(Self.ms(oursIPT))")
            print("BENCH iptables setup, Debian 1.1.1 exec sequence (9 x iptables): \(Self.ms(refIPT))")
            print("BENCH nftables teardown, ours: \(Self.ms(oursNFTDel))")
            print("BENCH iptables teardown, ours, addresses known (1 x iptables-restore): \(Self.ms(oursIPTDel))")
            print("BENCH iptables teardown, ours, no addresses (iptables-save + iptables-restore): \(Self.ms(oursIPTDelRead))")
            print(String(format: "BENCH ratio nftables reference/ours: %.1fx; iptables reference/ours: %.1fx",
                         Self.median(refNFT) / Self.median(oursNFT), Self.median(refIPT) / Self.median(oursIPT)))
            // Every teardown left nothing: the measured work was the whole work.
            #expect(try a.ruleset().contains("saddr") == false)
            #expect(try c.natSave().contains("CNI-") == false)
        }
    }
}

struct BenchFailure: Error, CustomStringConvertible { var description: String }
