import NetAddress

/// Where leases live. Every call happens while the store is exclusively held (the disk store holds
/// the network's flock for its whole lifetime), so a call sequence such as "look up, then reserve"
/// is atomic with respect to every other host-local process, ours or the reference's.
public protocol AddressStore: AnyObject {
    /// Creates the lease `ip` for `owner` unless the address is taken; true when it was free.
    /// Also records `ip` as the last address reserved from range set `rangeSetIndex`.
    func reserve(_ ip: IPAddress, for owner: LeaseOwner, rangeSetIndex: Int) throws -> Bool

    /// The address recorded by the last reservation from range set `rangeSetIndex`, if readable.
    func lastReservedIP(rangeSetIndex: Int) throws -> IPAddress?

    /// Addresses leased to `owner` or to its legacy (ID only) form: the reference's GetByID.
    func addresses(heldBy owner: LeaseOwner) throws -> [IPAddress]

    /// Whether `owner` (or, failing that, its legacy form) holds any lease. A miss is authoritative.
    func holdsLease(_ owner: LeaseOwner) throws -> Bool

    /// Releases every lease of `owner`; when there is none, every lease of its legacy form (the
    /// reference's ReleaseByID). Returns the released addresses; releasing nothing is no error.
    @discardableResult
    func release(_ owner: LeaseOwner) throws -> [IPAddress]

    /// Releases one lease if, and only if, `owner` still holds it (rollback of a partial ADD).
    func release(_ ip: IPAddress, heldBy owner: LeaseOwner) throws

    /// Every lease of the network, read from the source of truth (GC and STATUS only: O(leases)).
    func allLeases() throws -> [Lease]

    /// Addresses whose lease names an owner (STATUS). May list names without reading the leases.
    func leasedAddresses() throws -> [IPAddress]

    /// Removes a lease found by `allLeases`, whatever its owner (GC).
    func remove(_ lease: Lease) throws

    /// Removes leases that name no owner (empty or corrupt files). Returns how many were removed.
    @discardableResult
    func reclaimOwnerlessLeases() throws -> Int
}
