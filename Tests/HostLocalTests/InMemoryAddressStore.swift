import NetAddress

@testable import HostLocal

/// The reference's FakeStore: leases in a dictionary, with the same contract as the disk store.
final class InMemoryAddressStore: AddressStore {
    var leases: [IPAddress: LeaseOwner?] = [:]
    var lastReserved: [Int: IPAddress] = [:]
    var reserveCalls = 0

    init(leases: [IPAddress: LeaseOwner?] = [:]) { self.leases = leases }

    func reserve(_ ip: IPAddress, for owner: LeaseOwner, rangeSetIndex: Int) throws -> Bool {
        reserveCalls += 1
        guard leases[ip] == nil else { return false }
        leases[ip] = .some(owner)
        lastReserved[rangeSetIndex] = ip
        return true
    }

    func lastReservedIP(rangeSetIndex: Int) throws -> IPAddress? { lastReserved[rangeSetIndex] }

    func addresses(heldBy owner: LeaseOwner) throws -> [IPAddress] {
        leases.filter { $0.value == owner || $0.value == owner.legacy }.map(\.key).sorted()
    }

    func holdsLease(_ owner: LeaseOwner) throws -> Bool { try !addresses(heldBy: owner).isEmpty }

    @discardableResult
    func release(_ owner: LeaseOwner) throws -> [IPAddress] {
        var targets = leases.filter { $0.value == owner }.map(\.key)
        if targets.isEmpty { targets = leases.filter { $0.value == owner.legacy }.map(\.key) }
        for ip in targets { leases[ip] = nil }
        return targets.sorted()
    }

    func release(_ ip: IPAddress, heldBy owner: LeaseOwner) throws {
        if leases[ip] == .some(owner) { leases[ip] = nil }
    }

    func allLeases() throws -> [Lease] {
        leases.map { Lease(address: $0.key, owner: $0.value) }.sorted { $0.address < $1.address }
    }

    func leasedAddresses() throws -> [IPAddress] {
        leases.filter { $0.value != nil }.map(\.key)
    }

    func remove(_ lease: Lease) throws { leases[lease.address] = nil }

    func reclaimOwnerlessLeases() throws -> Int {
        let ownerless = leases.filter { $0.value == nil }.map(\.key)
        for ip in ownerless { leases[ip] = nil }
        return ownerless.count
    }
}
