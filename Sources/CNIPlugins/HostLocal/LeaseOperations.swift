import NetAddress

/// DEL, CHECK, GC and STATUS on a held store; ADD is `Allocator.allocateAll`. Kept apart from the
/// CNI plumbing so they run against the in-memory store in tests.
public enum LeaseOperations {
    /// DEL: releases the attachment's leases. Releasing nothing is success, as the spec requires.
    public static func release(_ owner: LeaseOwner, store: any AddressStore) throws {
        try store.release(owner)
    }

    /// CHECK: the attachment must still hold a lease (any address, as the reference checks).
    public static func check(_ owner: LeaseOwner, store: any AddressStore) throws {
        guard try store.holdsLease(owner) else {
            throw HostLocalError(.notFound, "host-local: Failed to find address added by container \(owner.containerID)")
        }
    }

    /// GC: with a list of valid attachments, releases every lease held by an attachment not in it
    /// (a legacy ID-only lease survives while any attachment of its container is valid). Without a
    /// list (the key absent, as `cnitool gc` sends it), nothing that names an owner is released:
    /// a missing list means "unknown", and guessing "none valid" would free live addresses and hand
    /// them out twice. In both cases ownerless leases (empty or corrupt files) are released.
    /// Keeps going past failures and reports them all. Returns what was released.
    @discardableResult
    public static func collectGarbage(validAttachments: [LeaseOwner]?, store: any AddressStore) throws -> [Lease] {
        let valid = validAttachments.map(Set.init)
        let validIDs = Set((validAttachments ?? []).map(\.containerID))
        var released: [Lease] = []
        var failures: [String] = []
        for lease in try store.allLeases() {
            let stale: Bool
            switch (lease.owner, valid) {
            case (nil, _): stale = true
            case (_, nil): stale = false
            case (let owner?, let valid?):
                stale = owner.ifname == nil ? !validIDs.contains(owner.containerID) : !valid.contains(owner)
            }
            guard stale else { continue }
            do {
                try store.remove(lease)
                released.append(lease)
            } catch let error as HostLocalError {
                failures.append(error.message)
            }
        }
        if !failures.isEmpty { throw HostLocalError(.io(.ioError), failures.joined(separator: "; ")) }
        return released
    }

    /// STATUS: fails (`.unavailable`, CNI code 50) when a range set has no free address, since an
    /// ADD, which needs one address from every set, would then fail.
    public static func status(rangeSets: [RangeSet], store: any AddressStore) throws {
        let leased = try store.leasedAddresses()
        for set in rangeSets {
            guard let usable = set.usableCount else { continue }
            // A lease on a gateway (left by an older config) takes nothing from the usable count.
            let used = leased.reduce(0) { n, ip in n + (set.range(for: ip).map { $0.gateway != ip } == true ? 1 : 0) }
            if used >= usable {
                throw HostLocalError(.unavailable, "no IP addresses available in range set: \(set)")
            }
        }
    }
}
