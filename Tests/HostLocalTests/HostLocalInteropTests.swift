import CNITestSupport
import Foundation
import Testing

/// Ours and Debian's reference binary on one data dir: each honours the other's leases.
@Suite(.enabled(if: HostLocalRun.referenceAvailable, "needs Debian's containernetworking-plugins"))
struct HostLocalInteropTests {
    nonisolated(unsafe) static let ipam: [String: Any] = ["ranges": [[["subnet": "10.90.0.0/28"]], [["subnet": "fd00:90::/124"]]]]

    @Test func neitherSideHandsOutTheOthersAddresses() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: Self.ipam)
            var seen: [String] = []
            // Alternate: reference, ours, reference, … until the v4 set (.2–.14, 13 addresses) is full.
            for i in 0..<13 {
                let binary = i % 2 == 0 ? HostLocalRun.reference : HostLocalRun.ours
                seen += addresses(try hl.add("c\(i)", binary: binary))
            }
            #expect(Set(seen).count == 26)
            for binary in [HostLocalRun.ours, HostLocalRun.reference] {
                let out = try hl.run("ADD", "extra", binary: binary)
                #expect(failure(out)?.msg.contains("no IP addresses available in range set: 10.90.0.1-10.90.0.14") == true)
            }
            #expect(hl.leases.count == 26)
        }
    }

    @Test func eachSidesDelFreesTheOthersLease() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: Self.ipam)
            _ = try hl.add("theirs", binary: HostLocalRun.reference)
            _ = try hl.add("ours")
            #expect(hl.leases.count == 4)
            // CHECK across.
            #expect(try hl.run("CHECK", "theirs").succeeded)
            #expect(try hl.run("CHECK", "ours", binary: HostLocalRun.reference).succeeded)
            // The duplicate check across.
            #expect(failure(try hl.run("ADD", "theirs"))?.msg.contains("duplicate allocation is not allowed") == true)
            #expect(failure(try hl.run("ADD", "ours", binary: HostLocalRun.reference))?.msg.contains("duplicate allocation is not allowed") == true)
            // DEL across.
            #expect(try hl.run("DEL", "theirs").succeeded)
            #expect(try hl.run("DEL", "ours", binary: HostLocalRun.reference).succeeded)
            #expect(hl.leases.isEmpty)
            #expect(!(try hl.run("CHECK", "theirs")).succeeded)
            #expect(!(try hl.run("CHECK", "ours", binary: HostLocalRun.reference)).succeeded)
        }
    }

    @Test func roundRobinContinuesAcrossBinaries() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: ["subnet": "10.91.0.0/24"])
            #expect(addresses(try hl.add("a")) == ["10.91.0.2/24"])
            #expect(try hl.run("DEL", "a").succeeded)
            #expect(addresses(try hl.add("b", binary: HostLocalRun.reference)) == ["10.91.0.3/24"])
            #expect(try hl.run("DEL", "b", binary: HostLocalRun.reference).succeeded)
            #expect(addresses(try hl.add("c")) == ["10.91.0.4/24"])
        }
    }

    @Test func leasesLookTheSameWhoeverWroteThem() throws {
        try withTemporaryDirectory { dir throws in
            let ours = HostLocalRun(dataDir: dir + "/a", ipam: ["subnet": "10.92.0.0/24"])
            let theirs = HostLocalRun(dataDir: dir + "/b", ipam: ["subnet": "10.92.0.0/24"])
            _ = try ours.add("same-id", ifName: "net7")
            _ = try theirs.add("same-id", ifName: "net7", binary: HostLocalRun.reference)
            for name in ["10.92.0.2", "last_reserved_ip.0"] {
                #expect(fileBytes(ours.leaseDir + "/" + name) == fileBytes(theirs.leaseDir + "/" + name))
            }
            // Ours are private (the reference 1.1.1 writes 0644; upstream since v1.4.0 0600).
            #expect(permissions(ours.leaseDir + "/10.92.0.2") == 0o600)
        }
    }

    /// The reference's DEL walks the directory recursively and deletes every file whose content is
    /// the attachment's: our cache and scratch files must be out of its reach.
    @Test func theReferenceNeverSeesOurCache() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: ["subnet": "10.93.0.0/24"])
            for i in 0..<5 { _ = try hl.add("c\(i)") }
            let cacheBefore = listing(dir + "/.swift-cni/net1")
            for i in 0..<5 { #expect(try hl.run("DEL", "c\(i)", binary: HostLocalRun.reference).succeeded) }
            #expect(listing(dir + "/.swift-cni/net1") == cacheBefore)
            #expect(listing(hl.leaseDir) == ["last_reserved_ip.0", "lock"])
            // And ours notices the reference's removals.
            #expect(!(try hl.run("CHECK", "c3")).succeeded)
            #expect(addresses(try hl.add("c0")) == ["10.93.0.7/24"])
        }
    }
}
