import NetAddress

extension RouteNetlink {
    /// Adds an address; fails with `EEXIST` if present. Equivalent to
    /// `ip addr add <addr>/<len> dev <dev> [nodad] [noprefixroute]` (IPv4 with `brd +`).
    public func addAddress(_ address: Address) throws {
        try execute(.newAddress(address))
    }

    /// Removes an address. Equivalent to `ip addr del <addr>/<len> dev <dev>`.
    public func deleteAddress(_ address: Address) throws {
        try execute(.deleteAddress(address))
    }

    /// Addresses, optionally of one family and/or one interface. Equivalent to
    /// `ip [-4|-6] addr show [dev <dev>]`.
    public func addresses(family: IPFamily? = nil, index: Int32? = nil) throws -> [Address] {
        // The kernel filters with strict checking; filtering again keeps older kernels correct.
        try dump(.dumpAddresses(family: family, index: index), Address.init(message:)).filter {
            (family == nil || $0.family == family) && (index == nil || $0.index == index)
        }
    }
}
