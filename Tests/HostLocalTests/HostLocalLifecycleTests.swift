import CNITestSupport
import Foundation
import Testing

/// GC, STATUS, hostile input and crash leftovers, through the binary.
@Suite struct HostLocalLifecycleTests {
    func valid(_ pairs: [(String, String)]) -> [[String: String]] {
        pairs.map { ["containerID": $0.0, "ifname": $0.1] }
    }

    @Test func gcReleasesAttachmentsNotInTheList() throws {
        try withTemporaryDirectory { dir throws in
            var hl = HostLocalRun(dataDir: dir, ipam: ["ranges": [[["subnet": "10.100.0.0/24"]], [["subnet": "fd00:100::/64"]]]])
            hl.cniVersion = "1.1.0"
            for id in ["keep", "drop1", "drop2"] { _ = try hl.add(id) }
            _ = try hl.add("keep", ifName: "net1")
            writeText(hl.leaseDir + "/10.100.0.200", "")  // an empty lease from a crashed writer
            hl.extra = ["cni.dev/valid-attachments": valid([("keep", "eth0")])]
            #expect(try hl.run("GC", "").succeeded)
            #expect(hl.leases.sorted() == ["10.100.0.2", "fd00:100::2"])
            #expect(try hl.run("CHECK", "keep").succeeded)
            #expect(!(try hl.run("CHECK", "keep", ifName: "net1")).succeeded)
            // An empty list: nothing is valid.
            hl.extra = ["cni.dev/valid-attachments": [] as [Any]]
            #expect(try hl.run("GC", "").succeeded)
            #expect(hl.leases.isEmpty)
        }
    }

    /// No `cni.dev/valid-attachments` at all (as `cnitool gc` sends it, after DELing every cached
    /// attachment itself): only leases naming no owner are released; live ones are kept.
    @Test func gcWithoutAListOnlyReclaimsOwnerlessLeases() throws {
        try withTemporaryDirectory { dir throws in
            var hl = HostLocalRun(dataDir: dir, ipam: ["subnet": "10.101.0.0/24"])
            hl.cniVersion = "1.1.0"
            _ = try hl.add("live")
            writeText(hl.leaseDir + "/10.101.0.50", "")
            writeText(hl.leaseDir + "/10.101.0.51", "\0\0\0\0\0\0\0\0\0\0")
            #expect(try hl.run("GC", "").succeeded)
            #expect(hl.leases == ["10.101.0.2"])
            // The legacy key is read when the new one is absent.
            hl.extra = ["cni.dev/attachments": valid([("other", "eth0")])]
            #expect(try hl.run("GC", "").succeeded)
            #expect(hl.leases.isEmpty)
        }
    }

    @Test func gcAndStatusNeedVersion110() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: ["subnet": "10.102.0.0/24"])
            #expect(failure(try hl.run("GC", ""))?.code == 1)
            #expect(failure(try hl.run("STATUS", ""))?.code == 1)
        }
    }

    @Test func statusReportsExhaustionAndAnUnusableDataDir() throws {
        try withTemporaryDirectory { dir throws in
            var hl = HostLocalRun(dataDir: dir, ipam: ["ranges": [[["subnet": "10.103.0.0/30"]], [["subnet": "fd00:103::/64"]]]])
            hl.cniVersion = "1.1.0"
            #expect(try hl.run("STATUS", "").succeeded)
            _ = try hl.add("a")
            let out = try hl.run("STATUS", "")
            #expect(failure(out)?.code == 50)
            #expect(failure(out)?.msg == "no IP addresses available in range set: 10.103.0.1-10.103.0.2")
            #expect(try hl.run("DEL", "a").succeeded)
            #expect(try hl.run("STATUS", "").succeeded)
            writeText(dir + "/file", "x")
            hl.ipam["dataDir"] = dir + "/file/sub"
            let unusable = try hl.run("STATUS", "")
            #expect(failure(unusable)?.code == 50)
            #expect(failure(unusable)?.msg.hasPrefix("data dir unusable: ") == true)
        }
    }

    @Test func aFullPoolReclaimsAnEmptyLeaseLeftByACrash() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: ["subnet": "10.104.0.0/29"])  // .2 … .6
            for i in 0..<4 { _ = try hl.add("c\(i)") }
            writeText(hl.leaseDir + "/10.104.0.6", "")  // what the reference's O_EXCL create leaves
            #expect(addresses(try hl.add("c4")) == ["10.104.0.6/29"])
            #expect(fileBytes(hl.leaseDir + "/10.104.0.6") == Array("c4\r\neth0".utf8))
            #expect(failure(try hl.run("ADD", "c5"))?.msg.contains("no IP addresses available") == true)
        }
    }

    /// The reference takes `lock` with flock for every operation; so must we, or the two could
    /// hand out one address twice.
    @Test(arguments: ["ADD", "DEL", "CHECK"])
    func everyCallWaitsForTheNetworksLock(verb: String) throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: ["subnet": "10.110.0.0/24"])
            _ = try hl.add("held")
            let fd = open(hl.leaseDir + "/lock", O_RDWR)
            #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
            let finished = DispatchSemaphore(value: 0)
            let status = ResultsBox()
            Thread.detachNewThread {
                let out = try? hl.run(verb, verb == "ADD" ? "waiting" : "held")
                status.append(.success(["ok": out?.succeeded ?? false]))
                finished.signal()
            }
            #expect(finished.wait(timeout: .now() + 0.5) == .timedOut)
            flock(fd, LOCK_UN)
            close(fd)
            #expect(finished.wait(timeout: .now() + 30) == .success)
            #expect((try status.values.first?.get())?["ok"] as? Bool == true)
        }
    }

    @Test func nothingTemporaryIsLeftBehind() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: ["ranges": [[["subnet": "10.105.0.0/24"]], [["subnet": "10.106.0.0/30"]]]])
            _ = try hl.add("a")
            #expect(failure(try hl.run("ADD", "b")) != nil)  // the second set is full: rolled back
            #expect(try hl.run("DEL", "a").succeeded)
            #expect(hl.leases.isEmpty)
            #expect(listing(dir) == [".swift-cni", "net1"])
            #expect(listing(dir + "/.swift-cni/net1").allSatisfy { $0 == "state" || $0.hasPrefix("b-") })
        }
    }

    @Test(arguments: ["../escape", "a/b", "..", "with\u{0}nul", ".swift-cni"])
    func hostileNetworkNamesWriteNothing(name: String) throws {
        try withTemporaryDirectory { dir throws in
            var hl = HostLocalRun(dataDir: dir + "/data", ipam: ["subnet": "10.107.0.0/24"])
            hl.network = name
            for verb in ["ADD", "DEL", "CHECK"] {
                #expect(failure(try hl.run(verb))?.code == 7)
            }
            #expect(listing(dir).isEmpty)
        }
    }

    @Test func hostileDataDirWritesNothing() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir + "/a/../../escape", ipam: ["subnet": "10.108.0.0/24"])
            let out = try hl.run("ADD")
            #expect(failure(out)?.code == 7)
            #expect(failure(out)?.msg.contains("dataDir") == true)
            #expect(listing(dir).isEmpty)
        }
    }

    @Test func hostileContainerIDsAndIfnamesWriteNothing() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: ["subnet": "10.109.0.0/24"])
            #expect(failure(try hl.run("ADD", "../x"))?.code == 4)
            #expect(failure(try hl.run("ADD", "a\r\nb"))?.code == 4)
            #expect(failure(try hl.run("ADD", "ok", ifName: "../x"))?.code == 4)
            #expect(failure(try hl.run("ADD", "ok", ifName: "a\r\nb"))?.code == 4)
            #expect(listing(dir).isEmpty)
        }
    }
}
