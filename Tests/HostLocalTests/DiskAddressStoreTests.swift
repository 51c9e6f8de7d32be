import Foundation
import NetAddress
import Testing

@testable import HostLocal

@Suite struct DiskAddressStoreTests {
    func location(_ dataDir: String, _ network: String = "net1") -> StoreLocation {
        try! StoreLocation(network: network, dataDir: dataDir)
    }

    func reserve(_ loc: StoreLocation, _ address: String, _ who: LeaseOwner, set: Int = 0) throws -> Bool {
        try DiskAddressStore.withStore(loc) { try $0.reserve(ip(address), for: who, rangeSetIndex: set) }
    }

    @Test func writesTheReferenceFormat() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            #expect(try reserve(loc, "10.0.0.2", owner("c1")))
            #expect(try reserve(loc, "fd00::2", owner("c1"), set: 1))
            #expect(try !reserve(loc, "10.0.0.2", owner("c2")))
            let leases = dir + "/net1"
            #expect(fileBytes(leases + "/10.0.0.2") == Array("c1\r\neth0".utf8))
            #expect(fileBytes(leases + "/fd00::2") == Array("c1\r\neth0".utf8))
            #expect(fileText(leases + "/last_reserved_ip.0") == "10.0.0.2")
            #expect(fileText(leases + "/last_reserved_ip.1") == "fd00::2")
            #expect(listing(leases) == ["10.0.0.2", "fd00::2", "last_reserved_ip.0", "last_reserved_ip.1", "lock"])
            #expect(permissions(leases) == 0o700)
            for f in ["10.0.0.2", "fd00::2", "last_reserved_ip.0", "lock"] { #expect(permissions(leases + "/" + f) == 0o600) }
            // The cache lives outside the lease directory, holds no scratch file, and is private.
            let cache = dir + "/.swift-cni/net1"
            #expect(permissions(dir + "/.swift-cni") == 0o700 && permissions(cache) == 0o700)
            #expect(listing(cache).allSatisfy { $0 == "state" || $0.hasPrefix("b-") })
            #expect(listing(cache).contains("state"))
        }
    }

    @Test func lastReservedIPIsReadBack() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            _ = try reserve(loc, "10.0.0.7", owner("c1"), set: 2)
            #expect(try DiskAddressStore.withStore(loc) { try $0.lastReservedIP(rangeSetIndex: 2) } == ip("10.0.0.7"))
            #expect(try DiskAddressStore.withStore(loc) { try $0.lastReservedIP(rangeSetIndex: 0) } == nil)
            writeText(dir + "/net1/last_reserved_ip.0", "garbage")
            #expect(try DiskAddressStore.withStore(loc) { try $0.lastReservedIP(rangeSetIndex: 0) } == nil)
        }
    }

    @Test func lookupsAndReleases() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            _ = try reserve(loc, "10.0.0.2", owner("c1"))
            _ = try reserve(loc, "fd00::2", owner("c1"), set: 1)
            _ = try reserve(loc, "10.0.0.3", owner("c1", "net1"))
            try DiskAddressStore.withStore(loc) { s throws in
                #expect(try s.addresses(heldBy: owner("c1")).sorted() == [ip("10.0.0.2"), ip("fd00::2")])
                #expect(try s.holdsLease(owner("c1", "net1")))
                #expect(try !s.holdsLease(owner("c2")))
                #expect(try s.release(owner("c1")).sorted() == [ip("10.0.0.2"), ip("fd00::2")])
                #expect(try s.release(owner("c1")) == [])
            }
            #expect(listing(dir + "/net1").filter { $0.first!.isNumber } == ["10.0.0.3"])
            try DiskAddressStore.withStore(loc) { s throws in
                try s.release(ip("10.0.0.3"), heldBy: owner("c2"))  // not c2's: kept
                #expect(try s.holdsLease(owner("c1", "net1")))
                try s.release(ip("10.0.0.3"), heldBy: owner("c1", "net1"))
                #expect(try !s.holdsLease(owner("c1", "net1")))
            }
        }
    }

    @Test func legacyLeasesAreMatchedByContainerID() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            _ = try DiskAddressStore.withStore(loc) { _ in }
            writeText(dir + "/net1/10.0.0.9", "old\n")
            try DiskAddressStore.withStore(loc) { s throws in
                #expect(try s.addresses(heldBy: owner("old", "eth3")) == [ip("10.0.0.9")])
                #expect(try s.holdsLease(owner("old", "eth3")))
                #expect(try s.release(owner("old", "eth3")) == [ip("10.0.0.9")])
            }
        }
    }

    @Test func theCacheServesLookupsWithoutReadingEveryLease() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            _ = try DiskAddressStore.withStore(loc) { _ in }
            for i in 0..<500 { writeText(dir + "/net1/10.1.\(i / 250).\(i % 250 + 1)", "ctr\(i)\r\neth0") }
            // First call after foreign writes: a full rebuild.
            let first = try DiskAddressStore.withStore(loc) { s throws in
                #expect(try s.holdsLease(owner("ctr5")))
                return s.leaseFilesRead
            }
            #expect(first == 500)
            // From then on: the cache, and one read per hit.
            try DiskAddressStore.withStore(loc) { s throws in
                #expect(try s.reserve(ip("10.2.0.1"), for: owner("new"), rangeSetIndex: 0))
                #expect(try s.addresses(heldBy: owner("ctr499")) == [ip("10.1.1.250")])
                #expect(s.leaseFilesRead == 1)
            }
            try DiskAddressStore.withStore(loc) { s throws in
                #expect(try s.release(owner("new")) == [ip("10.2.0.1")])
                #expect(try s.release(owner("nobody")) == [])
                #expect(try s.holdsLease(owner("ctr42")))
                #expect(s.leaseFilesRead == 2)
                #expect(s.index?.complete == false)
            }
        }
    }

    /// Every bucket as the cache holds it, against a rebuild from the leases.
    func cacheMatchesTheLeases(_ loc: StoreLocation) throws -> Bool {
        try DiskAddressStore.withStore(loc) { s throws in
            var cached: [Int: Set<LeaseIndex.Entry>] = [:]
            for b in 0..<LeaseIndex.bucketCount { cached[b] = Set(try s.bucket(b)) }
            guard s.index?.complete == false else { return false }  // it was current
            try s.rebuildIndex()
            for b in 0..<LeaseIndex.bucketCount where Set(s.index!.buckets[b] ?? []) != cached[b] { return false }
            return true
        }
    }

    @Test func theCacheStaysExactThroughManyCallsAndSharedBuckets() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            let set = try rangeSet("10.0.0.0/22")
            var rng = SystemRandomNumberGenerator()
            var live: [LeaseOwner] = []
            for i in 0..<300 {  // more owners than buckets
                try DiskAddressStore.withStore(loc) { s throws in
                    if live.count > 20, Int.random(in: 0..<3, using: &rng) == 0 {
                        let who = live.remove(at: Int.random(in: 0..<live.count, using: &rng))
                        #expect(try s.release(who).count == 1)
                    } else {
                        let who = owner("c\(i)", i % 2 == 0 ? "eth0" : "net1")
                        _ = try Allocator(rangeSet: set, rangeSetIndex: 0, store: s).allocate(for: who)
                        live.append(who)
                    }
                }
            }
            #expect(try cacheMatchesTheLeases(loc))
            try DiskAddressStore.withStore(loc) { s throws in
                for who in live { #expect(try s.holdsLease(who)) }
                #expect(s.index?.complete == false)
            }
        }
    }

    @Test func changesBehindOurBackAreSeenEvenWithinTheSameClockTick() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            for round in 0..<50 {
                _ = try reserve(loc, "10.0.\(round).1", owner("ours\(round)"))
                // Immediately, as the reference would right after our lock is released.
                writeText(dir + "/net1/10.0.\(round).2", "theirs\(round)\r\neth0")
                try DiskAddressStore.withStore(loc) { s throws in
                    #expect(try s.addresses(heldBy: owner("theirs\(round)")) == [ip("10.0.\(round).2")])
                }
                try FileManager.default.removeItem(atPath: dir + "/net1/10.0.\(round).1")
                try DiskAddressStore.withStore(loc) { s throws in
                    #expect(try !s.holdsLease(owner("ours\(round)")))
                    #expect(try s.release(owner("ours\(round)")) == [])
                }
            }
        }
    }

    @Test func aLeaseRewrittenInPlaceIsCaughtByVerification() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            _ = try reserve(loc, "10.0.0.2", owner("c1"))
            _ = try DiskAddressStore.withStore(loc) { try $0.holdsLease(owner("c1")) }  // cache current
            // Same inode, same directory entry: the directory's stamp does not move.
            let handle = FileHandle(forWritingAtPath: dir + "/net1/10.0.0.2")!
            handle.write(Data("c2".utf8))
            try handle.close()
            try DiskAddressStore.withStore(loc) { s throws in
                #expect(try s.addresses(heldBy: owner("c1")) == [])
                #expect(try s.addresses(heldBy: owner("c2")) == [ip("10.0.0.2")])
            }
        }
    }

    @Test func aDamagedCacheIsRebuilt() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            _ = try reserve(loc, "10.0.0.2", owner("c1"))
            let bucket = dir + "/.swift-cni/net1/" + LeaseIndex.bucketFileName(LeaseIndex.bucket(of: "c1"))
            writeText(bucket, "\u{1}\u{2} garbage with too many fields\n")
            #expect(try DiskAddressStore.withStore(loc) { try $0.addresses(heldBy: owner("c1")) } == [ip("10.0.0.2")])
            // Well-formed but not what `state` recorded (a lost write): the hash gives it away.
            writeText(bucket, "10.0.0.77 c1 eth0\n")
            #expect(try DiskAddressStore.withStore(loc) { try $0.addresses(heldBy: owner("c1")) } == [ip("10.0.0.2")])
            // A torn state is no state.
            let state = dir + "/.swift-cni/net1/state"
            writeText(state, String(fileText(state)!.dropLast(3)))
            try DiskAddressStore.withStore(loc) { s throws in
                #expect(try s.addresses(heldBy: owner("c1")) == [ip("10.0.0.2")])
                #expect(s.index?.complete == true)
            }
            try FileManager.default.removeItem(atPath: bucket)  // an empty bucket: the miss is caught on CHECK
            #expect(try DiskAddressStore.withStore(loc) { try $0.holdsLease(owner("c1")) })
        }
    }

    @Test func worksWithoutACache() throws {
        try withTemporaryDirectory { dir throws in
            writeText(dir + "/.swift-cni", "not a directory")
            let loc = location(dir)
            #expect(try reserve(loc, "10.0.0.2", owner("c1")))
            #expect(try !reserve(loc, "10.0.0.2", owner("c2")))
            #expect(fileBytes(dir + "/net1/10.0.0.2") == Array("c1\r\neth0".utf8))
            #expect(try DiskAddressStore.withStore(loc) { try $0.release(owner("c1")) } == [ip("10.0.0.2")])
        }
    }

    @Test func aScratchFileLeftLinkedByACrashNeverAltersALease() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            _ = try reserve(loc, "10.0.0.2", owner("c1"))
            // A crash between link() and removing the scratch name leaves both names on one inode.
            #expect(link(dir + "/net1/10.0.0.2", dir + "/.swift-cni/net1/" + DiskAddressStore.scratchLeaseName) == 0)
            #expect(try reserve(loc, "10.0.0.3", owner("c2")))
            #expect(fileBytes(dir + "/net1/10.0.0.2") == Array("c1\r\neth0".utf8))
            #expect(fileBytes(dir + "/net1/10.0.0.3") == Array("c2\r\neth0".utf8))
            #expect(!listing(dir + "/.swift-cni/net1").contains(DiskAddressStore.scratchLeaseName))
        }
    }

    @Test func ownerlessLeasesAreFoundAndReclaimed() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            _ = try reserve(loc, "10.0.0.2", owner("c1"))
            writeText(dir + "/net1/10.0.0.3", "")
            writeText(dir + "/net1/10.0.0.4", "\0\0\0\0\0\0\0\0")
            writeText(dir + "/net1/not-an-ip", "c1\r\neth0")  // not a lease: never touched
            try DiskAddressStore.withStore(loc) { s throws in
                #expect(try s.allLeases() == [
                    Lease(address: ip("10.0.0.2"), owner: owner("c1")), Lease(address: ip("10.0.0.3"), owner: nil),
                    Lease(address: ip("10.0.0.4"), owner: nil),
                ])
                #expect(try s.leasedAddresses() == [ip("10.0.0.2")])
            }
            // From the cache too (names only, the ownerless ones remembered in `state`).
            #expect(try DiskAddressStore.withStore(loc) { try $0.leasedAddresses() } == [ip("10.0.0.2")])
            #expect(try DiskAddressStore.withStore(loc) { try $0.reclaimOwnerlessLeases() } == 2)
            #expect(listing(dir + "/net1") == ["10.0.0.2", "last_reserved_ip.0", "lock", "not-an-ip"])
        }
    }

    @Test func gcRemovesStaleLeases() throws {
        try withTemporaryDirectory { dir throws in
            let loc = location(dir)
            _ = try reserve(loc, "10.0.0.2", owner("keep"))
            _ = try reserve(loc, "10.0.0.3", owner("drop"))
            writeText(dir + "/net1/10.0.0.4", "")
            let released = try DiskAddressStore.withStore(loc) {
                try LeaseOperations.collectGarbage(validAttachments: [owner("keep")], store: $0)
            }
            #expect(released.map(\.address) == [ip("10.0.0.3"), ip("10.0.0.4")])
            #expect(listing(dir + "/net1") == ["10.0.0.2", "last_reserved_ip.0", "lock"])
            #expect(try DiskAddressStore.withStore(loc) { try $0.holdsLease(owner("keep")) })
        }
    }

    @Test func concurrentStoresSerialiseOnTheLock() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let loc = location(dir.path)
        let set = try rangeSet("10.0.0.0/24")
        let got = try await withThrowingTaskGroup(of: IPAddress.self) { group in
            for i in 0..<32 {
                group.addTask {
                    try DiskAddressStore.withStore(loc) { s throws in
                        try Allocator(rangeSet: set, rangeSetIndex: 0, store: s).allocate(for: owner("c\(i)")).address.address
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(got).count == 32)
    }

    @Test(arguments: ["", ".", "..", "a/b", "../x", "a\0b", ".swift-cni"])
    func hostileNetworkNames(name: String) {
        #expect(throws: HostLocalError.self) { _ = try StoreLocation(network: name, dataDir: "/tmp/x") }
    }

    @Test(arguments: ["/tmp/../etc", "../x", "/tmp/a/..", "/tmp/a\0b"])
    func hostileDataDirs(path: String) {
        #expect(throws: HostLocalError.self) { _ = try StoreLocation(network: "n", dataDir: path) }
    }

    @Test func defaultDataDir() throws {
        #expect(try StoreLocation(network: "n", dataDir: nil).leaseDirectory == "/var/lib/cni/networks/n")
        #expect(try StoreLocation(network: "n", dataDir: "").dataDir == "/var/lib/cni/networks")
    }
}
