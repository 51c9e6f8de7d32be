import NetAddress
import Testing

@testable import HostLocal

@Suite struct AllocatorTests {
    @Test func allocatesRoundRobinWithPrefixAndGateway() throws {
        let store = InMemoryAddressStore()
        let set = try rangeSet("10.0.0.0/29")
        let a = Allocator(rangeSet: set, rangeSetIndex: 0, store: store)
        let first = try a.allocate(for: owner("c1"))
        #expect(first.address == cidr("10.0.0.2/29"))
        #expect(first.gateway == ip("10.0.0.1"))
        #expect(try a.allocate(for: owner("c2")).address.address == ip("10.0.0.3"))
        // Releasing c1 does not hand 10.0.0.2 out again until the set wraps.
        try store.release(owner("c1"))
        #expect(try a.allocate(for: owner("c3")).address.address == ip("10.0.0.4"))
        #expect(store.lastReserved[0] == ip("10.0.0.4"))
    }

    @Test func exhaustionNamesTheSet() throws {
        let store = InMemoryAddressStore()
        let a = Allocator(rangeSet: try rangeSet("10.0.0.0/29"), rangeSetIndex: 0, store: store)
        for i in 0..<5 { _ = try a.allocate(for: owner("c\(i)")) }
        #expect(errorMessage { _ = try a.allocate(for: owner("c9")) } == "no IP addresses available in range set: 10.0.0.1-10.0.0.6")
        #expect(store.leases.count == 5)
    }

    @Test func duplicateAllocationIsRefused() throws {
        let store = InMemoryAddressStore()
        let a = Allocator(rangeSet: try rangeSet("10.0.0.0/24"), rangeSetIndex: 0, store: store)
        _ = try a.allocate(for: owner("c1"))
        #expect(errorMessage { _ = try a.allocate(for: owner("c1")) } == "10.0.0.2 has been allocated to c1, duplicate allocation is not allowed")
        // Another interface of the same container is another attachment.
        #expect(try a.allocate(for: owner("c1", "net1")).address.address == ip("10.0.0.3"))
        // A legacy lease (ID only) counts as held, as the reference's GetByID does.
        store.leases[ip("10.0.0.9")] = .some(LeaseOwner(unchecked: "old", ifname: nil))
        #expect(errorMessage { _ = try a.allocate(for: owner("old")) } == "10.0.0.9 has been allocated to old, duplicate allocation is not allowed")
    }

    @Test func requestedAddress() throws {
        let store = InMemoryAddressStore()
        let set = try rangeSet("10.0.0.0/24", start: "10.0.0.10", end: "10.0.0.20")
        let a = Allocator(rangeSet: set, rangeSetIndex: 0, store: store)
        #expect(try a.allocate(for: owner("c1"), requested: ip("10.0.0.15")).address == cidr("10.0.0.15/24"))
        #expect(errorMessage { _ = try a.allocate(for: owner("c2"), requested: ip("10.0.0.15")) }
            == "requested IP address 10.0.0.15 is not available in range set 10.0.0.10-10.0.0.20")
        #expect(errorMessage { _ = try a.allocate(for: owner("c2"), requested: ip("10.0.0.30")) }
            == "10.0.0.30 not in range set 10.0.0.10-10.0.0.20")
        let withGateway = Allocator(rangeSet: try rangeSet("10.0.1.0/24"), rangeSetIndex: 1, store: store)
        #expect(errorMessage { _ = try withGateway.allocate(for: owner("c2"), requested: ip("10.0.1.1")) }
            == "requested ip 10.0.1.1 is subnet's gateway")
        // The requested path does not check for a duplicate, as the reference does not.
        #expect(try a.allocate(for: owner("c1"), requested: ip("10.0.0.16")).address.address == ip("10.0.0.16"))
    }

    @Test func ownerlessLeasesAreReclaimedOnlyWhenThePoolIsOtherwiseFull() throws {
        let store = InMemoryAddressStore()
        let set = try rangeSet("10.0.0.0/29")  // .2 … .6
        store.leases = [ip("10.0.0.2"): nil, ip("10.0.0.3"): .some(owner("x"))]
        let a = Allocator(rangeSet: set, rangeSetIndex: 0, store: store)
        for id in ["a", "b", "c"] { _ = try a.allocate(for: owner(id)) }
        #expect(store.leases[ip("10.0.0.2")]! == nil)  // still there: free addresses came first
        #expect(try a.allocate(for: owner("d")).address.address == ip("10.0.0.2"))
        #expect(errorMessage { _ = try a.allocate(for: owner("e")) } != nil)
    }

    @Test func requestedAddressHeldByAnOwnerlessLeaseIsReclaimed() throws {
        let store = InMemoryAddressStore(leases: [ip("10.0.0.7"): nil])
        let a = Allocator(rangeSet: try rangeSet("10.0.0.0/24"), rangeSetIndex: 0, store: store)
        #expect(try a.allocate(for: owner("c1"), requested: ip("10.0.0.7")).address.address == ip("10.0.0.7"))
    }

    @Test func allocateAllTakesOneAddressPerSet() throws {
        let store = InMemoryAddressStore()
        let sets = [try rangeSet("10.0.0.0/24"), try rangeSet("fd00::/64"), try rangeSet("10.0.1.0/24")]
        let got = try Allocator.allocateAll(rangeSets: sets, requested: [ip("10.0.1.50")], for: owner("c1"), store: store)
        #expect(got.map(\.address.description) == ["10.0.0.2/24", "fd00::2/64", "10.0.1.50/24"])
        #expect(got.map(\.gateway.description) == ["10.0.0.1", "fd00::1", "10.0.1.1"])
        #expect(got.map(\.rangeSetIndex) == [0, 1, 2])
    }

    @Test func requestedAddressesGoToTheFirstSetThatHoldsThem() throws {
        let store = InMemoryAddressStore()
        let sets = [try rangeSet("10.0.0.0/24"), try rangeSet("fd00::/64")]
        let got = try Allocator.allocateAll(
            rangeSets: sets, requested: [ip("fd00::9"), ip("10.0.0.9"), ip("10.0.0.9")], for: owner("c1"), store: store)
        #expect(got.map(\.address.address) == [ip("10.0.0.9"), ip("fd00::9")])
    }

    @Test func unplacedRequestFailsBeforeAnythingIsReserved() throws {
        let store = InMemoryAddressStore()
        let sets = [try rangeSet("10.0.0.0/24")]
        #expect(errorMessage {
            _ = try Allocator.allocateAll(rangeSets: sets, requested: [ip("10.0.0.5"), ip("10.0.0.6"), ip("192.168.1.1")], for: owner("c1"), store: store)
        } == "failed to allocate all requested IPs: 10.0.0.6 192.168.1.1")
        #expect(store.leases.isEmpty && store.reserveCalls == 0)
    }

    @Test func failureReleasesOnlyWhatThisCallReserved() throws {
        let store = InMemoryAddressStore()
        let sets = [try rangeSet("10.0.0.0/24"), try rangeSet("10.0.1.0/30")]
        // The second set's only address is taken by someone else.
        store.leases[ip("10.0.1.2")] = .some(owner("other"))
        // An earlier lease of the same attachment in a set of another network config survives.
        store.leases[ip("10.9.9.9")] = .some(owner("c1"))
        #expect(errorMessage { _ = try Allocator.allocateAll(rangeSets: sets, requested: [], for: owner("c1"), store: store) }
            == "failed to allocate for range 1: no IP addresses available in range set: 10.0.1.1-10.0.1.2")
        #expect(store.leases[ip("10.0.0.2")] == nil)
        #expect(store.leases[ip("10.9.9.9")] != nil)
        #expect(store.leases.count == 2)
    }
}

@Suite struct LeaseOperationsTests {
    @Test func delAndCheck() throws {
        let store = InMemoryAddressStore(leases: [ip("10.0.0.2"): .some(owner("c1")), ip("10.0.0.3"): .some(owner("c1", "net1"))])
        try LeaseOperations.check(owner("c1"), store: store)
        try LeaseOperations.release(owner("c1"), store: store)
        #expect(errorMessage { try LeaseOperations.check(owner("c1"), store: store) } == "host-local: Failed to find address added by container c1")
        try LeaseOperations.release(owner("c1"), store: store)  // again: nothing held, still fine
        #expect(store.leases.count == 1)
    }

    @Test func delFallsBackToLegacyLeases() throws {
        let legacy = LeaseOwner(unchecked: "c1", ifname: nil)
        let store = InMemoryAddressStore(leases: [ip("10.0.0.2"): .some(legacy), ip("10.0.0.3"): .some(owner("c1", "net1"))])
        try LeaseOperations.check(owner("c1"), store: store)
        try LeaseOperations.release(owner("c1"), store: store)
        #expect(store.leases.keys.sorted() == [ip("10.0.0.3")])
    }

    @Test func gcWithAList() throws {
        let store = InMemoryAddressStore(leases: [
            ip("10.0.0.2"): .some(owner("live")), ip("10.0.0.3"): .some(owner("live", "net1")),
            ip("10.0.0.4"): .some(owner("gone")), ip("10.0.0.5"): .some(LeaseOwner(unchecked: "live", ifname: nil)),
            ip("10.0.0.6"): .some(LeaseOwner(unchecked: "gone", ifname: nil)), ip("10.0.0.7"): nil,
        ])
        let released = try LeaseOperations.collectGarbage(validAttachments: [owner("live")], store: store)
        #expect(released.map(\.address) == [ip("10.0.0.3"), ip("10.0.0.4"), ip("10.0.0.6"), ip("10.0.0.7")])
        #expect(store.leases.keys.sorted() == [ip("10.0.0.2"), ip("10.0.0.5")])
    }

    @Test func gcWithAnEmptyListReleasesEverything() throws {
        let store = InMemoryAddressStore(leases: [ip("10.0.0.2"): .some(owner("a")), ip("fd00::2"): .some(owner("b"))])
        try LeaseOperations.collectGarbage(validAttachments: [], store: store)
        #expect(store.leases.isEmpty)
    }

    @Test func gcWithoutAListOnlyReclaimsOwnerlessLeases() throws {
        let store = InMemoryAddressStore(leases: [ip("10.0.0.2"): .some(owner("a")), ip("10.0.0.3"): nil])
        let released = try LeaseOperations.collectGarbage(validAttachments: nil, store: store)
        #expect(released == [Lease(address: ip("10.0.0.3"), owner: nil)])
        #expect(store.leases.keys.sorted() == [ip("10.0.0.2")])
    }

    @Test func statusReportsAnExhaustedSet() throws {
        let sets = [try rangeSet("fd00::/64"), try rangeSet("10.0.0.0/30")]  // v4: one usable address
        let store = InMemoryAddressStore()
        try LeaseOperations.status(rangeSets: sets, store: store)
        store.leases[ip("10.0.0.1")] = .some(owner("gw"))  // a lease on the gateway frees nothing
        try LeaseOperations.status(rangeSets: sets, store: store)
        store.leases[ip("10.0.0.2")] = nil as LeaseOwner?  // ownerless: ADD would reclaim it
        try LeaseOperations.status(rangeSets: sets, store: store)
        store.leases[ip("10.0.0.2")] = .some(owner("a"))
        #expect(throws: HostLocalError(.unavailable, "no IP addresses available in range set: 10.0.0.1-10.0.0.2")) {
            try LeaseOperations.status(rangeSets: sets, store: store)
        }
    }
}

@Suite struct LeaseOwnerTests {
    @Test func contentRoundTrips() throws {
        #expect(owner("abc", "eth0").leaseContent == "abc\r\neth0")
        #expect(LeaseOwner.parse(leaseContent: Array("abc\r\neth0".utf8)) == owner("abc", "eth0"))
        #expect(LeaseOwner.parse(leaseContent: Array(" abc\r\neth0\n".utf8)) == owner("abc", "eth0"))
        #expect(LeaseOwner.parse(leaseContent: Array("abc".utf8)) == LeaseOwner(unchecked: "abc", ifname: nil))
        // Go's TrimSpace takes a dangling CR or CRLF too: the reference reads these as legacy leases.
        #expect(LeaseOwner.parse(leaseContent: Array("abc\r\n".utf8)) == LeaseOwner(unchecked: "abc", ifname: nil))
    }

    @Test(arguments: ["", "  \n", "\0\0\0\0", "abc\neth0", "abc\r\ne\u{0}", "a\u{1}b"])
    func garbageNamesNoOwner(content: String) {
        #expect(LeaseOwner.parse(leaseContent: Array(content.utf8)) == nil)
    }

    @Test func validation() {
        #expect(throws: HostLocalError.self) { try LeaseOwner(containerID: "../x", ifname: "eth0") }
        #expect(throws: HostLocalError.self) { try LeaseOwner(containerID: "-x", ifname: "eth0") }
        #expect(throws: HostLocalError.self) { try LeaseOwner(containerID: "x\r\ny", ifname: "eth0") }
        #expect(throws: HostLocalError.self) { try LeaseOwner(containerID: "x", ifname: "eth0\r\n") }
        #expect(throws: HostLocalError.self) { try LeaseOwner(containerID: "x", ifname: "a/b") }
        #expect(throws: HostLocalError.self) { try LeaseOwner(containerID: "x", ifname: "0123456789abcdef") }
        #expect(throws: HostLocalError.self) { try LeaseOwner(containerID: "x", ifname: "..") }
        #expect((try? LeaseOwner(containerID: "a1_b.c-d", ifname: "eth0.100")) != nil)
    }
}
