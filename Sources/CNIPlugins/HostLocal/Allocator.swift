import NetAddress

/// One address handed out: `ip/prefix` of its subnet, the range's gateway, and which set it came from.
public struct IPAllocation: Hashable, Sendable {
    public var address: IPNetwork
    public var gateway: IPAddress
    public var rangeSetIndex: Int
}

/// Allocates from one range set, as the reference's IPAllocator.Get does (same checks, same
/// texts), against any AddressStore. The caller holds the store for the whole call.
public struct Allocator {
    public let rangeSet: RangeSet
    public let rangeSetIndex: Int
    public let store: any AddressStore

    public init(rangeSet: RangeSet, rangeSetIndex: Int, store: any AddressStore) {
        self.rangeSet = rangeSet
        self.rangeSetIndex = rangeSetIndex
        self.store = store
    }

    /// Reserves `requested` if given, else the next free address after the last reserved one.
    public func allocate(for owner: LeaseOwner, requested: IPAddress? = nil) throws -> IPAllocation {
        if let requested { return try allocate(requested, for: owner) }

        // The spec forbids a second ADD for the same attachment without a DEL in between.
        for held in try store.addresses(heldBy: owner) where rangeSet.contains(held) {
            throw HostLocalError.allocation(
                "\(held) has been allocated to \(owner.containerID), duplicate allocation is not allowed")
        }
        if let found = try firstFree(for: owner) { return found }
        // Ownerless leases (left empty or corrupt by a crashed writer) would otherwise hold their
        // addresses forever; reclaiming them is safe here because we hold the store exclusively.
        if try store.reclaimOwnerlessLeases() > 0, let found = try firstFree(for: owner) { return found }
        throw HostLocalError.allocation("no IP addresses available in range set: \(rangeSet)")
    }

    private func allocate(_ ip: IPAddress, for owner: LeaseOwner) throws -> IPAllocation {
        guard let range = rangeSet.range(for: ip) else {
            throw HostLocalError.allocation("\(ip) not in range set \(rangeSet)")
        }
        if ip == range.gateway {
            throw HostLocalError.allocation("requested ip \(ip) is subnet's gateway")
        }
        var reserved = try store.reserve(ip, for: owner, rangeSetIndex: rangeSetIndex)
        if !reserved, try store.reclaimOwnerlessLeases() > 0 {
            reserved = try store.reserve(ip, for: owner, rangeSetIndex: rangeSetIndex)
        }
        guard reserved else {
            throw HostLocalError.allocation("requested IP address \(ip) is not available in range set \(rangeSet)")
        }
        return allocation(ip, in: range)
    }

    private func firstFree(for owner: LeaseOwner) throws -> IPAllocation? {
        let last = try store.lastReservedIP(rangeSetIndex: rangeSetIndex)
        var candidates = RangeIterator(rangeSet: rangeSet, lastReserved: last)
        while let (ip, range) = candidates.next() {
            if try store.reserve(ip, for: owner, rangeSetIndex: rangeSetIndex) {
                return allocation(ip, in: range)
            }
        }
        return nil
    }

    private func allocation(_ ip: IPAddress, in range: IPRange) -> IPAllocation {
        IPAllocation(address: range.subnet.with(address: ip), gateway: range.gateway, rangeSetIndex: rangeSetIndex)
    }
}

extension Allocator {
    /// One address per range set, all or nothing: on any failure the addresses reserved by this
    /// call (and only those) are released again. Requested addresses go to the first set that
    /// contains them; one that fits no set fails the call before anything is reserved.
    public static func allocateAll(
        rangeSets: [RangeSet], requested: [IPAddress], for owner: LeaseOwner, store: any AddressStore
    ) throws -> [IPAllocation] {
        var pending: [IPAddress] = []
        for ip in requested where !pending.contains(ip) { pending.append(ip) }
        var perSet: [IPAddress?] = []
        for set in rangeSets {
            let i = pending.firstIndex { set.contains($0) }
            perSet.append(i.map { pending.remove(at: $0) })
        }
        if !pending.isEmpty {
            throw HostLocalError.allocation(
                "failed to allocate all requested IPs: " + pending.map(\.description).joined(separator: " "))
        }

        var done: [IPAllocation] = []
        do {
            for (index, set) in rangeSets.enumerated() {
                let allocator = Allocator(rangeSet: set, rangeSetIndex: index, store: store)
                do {
                    done.append(try allocator.allocate(for: owner, requested: perSet[index]))
                } catch let error as HostLocalError {
                    throw error.prefixed("failed to allocate for range \(index): ")
                }
            }
        } catch {
            for allocation in done {
                try? store.release(allocation.address.address, heldBy: owner)
            }
            throw error
        }
        return done
    }
}
