import NetAddress
import Testing

@testable import HostLocal

@Suite struct RangeTests {
    @Test func ipv4Defaults() throws {
        let r = try RangeSpec(subnet: cidr("10.1.2.0/24")).canonicalized()
        #expect(r.rangeStart == ip("10.1.2.1"))
        #expect(r.rangeEnd == ip("10.1.2.254"))
        #expect(r.gateway == ip("10.1.2.1"))
        #expect(r.description == "10.1.2.1-10.1.2.254")
        #expect(r.usableCount == 253)
    }

    @Test func ipv6Defaults() throws {
        let r = try RangeSpec(subnet: cidr("2001:db8:1::/64")).canonicalized()
        #expect(r.rangeStart == ip("2001:db8:1::1"))
        #expect(r.rangeEnd == ip("2001:db8:1::ffff:ffff:ffff:ffff"))
        #expect(r.gateway == ip("2001:db8:1::1"))
        let small = try RangeSpec(subnet: cidr("fd00::/126")).canonicalized()
        #expect(small.rangeEnd == ip("fd00::3"))
        #expect(small.usableCount == 2)
    }

    @Test func explicitFieldsAreKept() throws {
        let r = try RangeSpec(subnet: cidr("10.1.2.0/24"), rangeStart: ip("10.1.2.40"), rangeEnd: ip("10.1.2.50"), gateway: ip("10.1.2.254")).canonicalized()
        #expect(r.description == "10.1.2.40-10.1.2.50")
        #expect(r.gateway == ip("10.1.2.254"))
        #expect(r.usableCount == 11)
        #expect(r.contains(ip("10.1.2.40")) && r.contains(ip("10.1.2.50")))
        #expect(!r.contains(ip("10.1.2.39")) && !r.contains(ip("10.1.2.51")) && !r.contains(ip("fd00::1")))
    }

    @Test func slash30LeavesOneAddress() throws {
        let r = try RangeSpec(subnet: cidr("10.9.0.0/30")).canonicalized()
        #expect(r.description == "10.9.0.1-10.9.0.2")
        #expect(r.usableCount == 1)
    }

    /// The reference's texts (checked against Debian's binary).
    @Test(arguments: [
        (RangeSpec(subnet: cidr("10.9.2.0/31")), "Network 10.9.2.0/31 too small to allocate from"),
        (RangeSpec(subnet: cidr("10.9.2.1/32")), "Network 10.9.2.1/32 too small to allocate from"),
        (RangeSpec(subnet: cidr("fd00::/127")), "Network fd00::/127 too small to allocate from"),
        (RangeSpec(subnet: cidr("10.9.2.1/24")), "Network has host bits set. For a subnet mask of length 24 the network address is 10.9.2.0"),
        (RangeSpec(subnet: cidr("10.9.2.0/24"), rangeStart: ip("10.9.3.1")), "RangeStart 10.9.3.1 not in network 10.9.2.0/24"),
        (RangeSpec(subnet: cidr("10.9.2.0/24"), rangeEnd: ip("10.9.3.1")), "RangeEnd 10.9.3.1 not in network 10.9.2.0/24"),
        (RangeSpec(subnet: cidr("10.9.2.0/24"), rangeStart: ip("fd00::1")), "RangeStart fd00::1 not in network 10.9.2.0/24"),
        (RangeSpec(subnet: cidr("10.9.2.0/24"), rangeStart: ip("10.9.2.9"), rangeEnd: ip("10.9.2.3")), "RangeStart 10.9.2.9 not in network 10.9.2.0/24"),
        (RangeSpec(subnet: nil), "IP <nil> not v4 nor v6"),
    ])
    func invalidRanges(spec: RangeSpec, message: String) {
        #expect(errorMessage { _ = try spec.canonicalized() } == message)
    }

    @Test func gatewayOutsideTheSubnetIsAccepted() throws {
        // As Debian's 1.1.1 and upstream do.
        let r = try RangeSpec(subnet: cidr("10.9.2.0/24"), gateway: ip("10.9.3.1")).canonicalized()
        #expect(r.gateway == ip("10.9.3.1"))
        #expect(r.usableCount == 254)
    }

    @Test func rangeSetValidation() throws {
        #expect(errorMessage { _ = try RangeSet([]) } == "empty range set")
        #expect(errorMessage { _ = try rangeSet([("10.9.2.0/24", nil, nil, nil), ("fd00::/64", nil, nil, nil)]) } == "mixed address families")
        #expect(errorMessage { _ = try rangeSet([("10.9.2.0/24", nil, nil, nil), ("10.9.2.0/25", nil, nil, nil)]) }
            == "subnets 10.9.2.1-10.9.2.254 and 10.9.2.1-10.9.2.126 overlap")
        // Disjoint ranges of one subnet are fine.
        let set = try rangeSet([("10.9.2.0/24", "10.9.2.10", "10.9.2.19", nil), ("10.9.2.0/24", "10.9.2.20", "10.9.2.29", nil)])
        #expect(set.description == "10.9.2.10-10.9.2.19,10.9.2.20-10.9.2.29")
        #expect(set.usableCount == 20)
        #expect(set.range(for: ip("10.9.2.25"))?.rangeStart == ip("10.9.2.20"))
        #expect(!set.contains(ip("10.9.2.30")))
    }

    @Test func setsOverlap() throws {
        let a = try rangeSet("10.9.2.0/24")
        #expect(a.overlaps(try rangeSet("10.9.2.0/25")))
        #expect(!a.overlaps(try rangeSet("10.9.3.0/24")))
        #expect(!a.overlaps(try rangeSet("fd00::/64")))
    }

    @Test func hugeIPv6SetHasNoCount() throws {
        #expect(try rangeSet("fd00::/48").usableCount == nil)
    }
}

@Suite struct RangeIteratorTests {
    func walk(_ set: RangeSet, after last: String? = nil, limit: Int = 100) -> [String] {
        var it = RangeIterator(rangeSet: set, lastReserved: last.map(ip))
        var out: [String] = []
        while let (a, _) = it.next(), out.count < limit { out.append(a.description) }
        return out
    }

    @Test func fromTheStartSkippingTheGateway() throws {
        #expect(walk(try rangeSet("10.0.0.0/29")) == ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"])
    }

    @Test func roundRobinAfterTheLastReserved() throws {
        #expect(walk(try rangeSet("10.0.0.0/29"), after: "10.0.0.4") == ["10.0.0.5", "10.0.0.6", "10.0.0.2", "10.0.0.3", "10.0.0.4"])
        // Last reserved on the range end: wraps to the start.
        #expect(walk(try rangeSet("10.0.0.0/29"), after: "10.0.0.6") == ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"])
    }

    @Test func lastReservedOutsideTheSetIsIgnored() throws {
        #expect(walk(try rangeSet("10.0.0.0/29"), after: "10.7.0.4").first == "10.0.0.2")
    }

    @Test func wrapsAcrossRanges() throws {
        let set = try rangeSet([("10.0.0.0/24", "10.0.0.10", "10.0.0.11", nil), ("10.0.1.0/24", "10.0.1.1", "10.0.1.3", nil)])
        // 10.0.1.1 is the second range's gateway.
        #expect(walk(set) == ["10.0.0.10", "10.0.0.11", "10.0.1.2", "10.0.1.3"])
        #expect(walk(set, after: "10.0.0.11") == ["10.0.1.2", "10.0.1.3", "10.0.0.10", "10.0.0.11"])
    }

    @Test func gatewayAsTheOnlyAddressEnds() throws {
        #expect(walk(try rangeSet("10.9.2.0/24", start: "10.9.2.1", end: "10.9.2.1")) == [])
    }

    @Test func ipv6() throws {
        #expect(walk(try rangeSet("fd00::/126")) == ["fd00::2", "fd00::3"])
        #expect(walk(try rangeSet("fd00::/64", start: "fd00::ffff:ffff:ffff:fffe"), after: "fd00::ffff:ffff:ffff:ffff")
            == ["fd00::ffff:ffff:ffff:fffe", "fd00::ffff:ffff:ffff:ffff"])
    }
}
