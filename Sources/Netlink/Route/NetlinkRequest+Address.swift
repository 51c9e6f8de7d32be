import CNetlinkShim
import NetAddress

extension NetlinkRequest {
    /// `RTM_NEWADDR` adding `address` (`ip addr add <addr>/<len> dev <index> [nodad] ...`);
    /// fails with `EEXIST` when it is already there.
    ///
    /// ```
    /// ifaddrmsg | IFA_LOCAL | IFA_ADDRESS (peer or local) | [IFA_BROADCAST] | [IFA_LABEL] | [IFA_FLAGS]
    /// ```
    public static func newAddress(_ address: Address) -> NetlinkRequest {
        Self.address(address, type: ty(RTM_NEWADDR), flags: RequestFlags.createExclusive, verb: "add", automaticBroadcast: true)
    }

    /// `RTM_DELADDR` removing `address` (`ip addr del <addr>/<len> dev <index>`).
    public static func deleteAddress(_ address: Address) -> NetlinkRequest {
        NetlinkRequest("delete address \(address.network) from link #\(address.index)", type: ty(RTM_DELADDR), flags: RequestFlags.change) { b in
            b.append(header: ifaddrmsg(
                ifa_family: address.family.rawValue, ifa_prefixlen: UInt8(address.network.prefixLength), ifa_flags: 0,
                ifa_scope: 0, ifa_index: UInt32(bitPattern: address.index)))
            b.put(ty(IFA_LOCAL), bytes: address.network.address.bytes)
            b.put(ty(IFA_ADDRESS), bytes: (address.peer ?? address.network.address).bytes)
        }
    }

    /// `RTM_GETADDR` dump (`ip addr show [dev <index>]`), restricted to one family and/or one
    /// interface (the kernel filters by interface with strict checking on).
    public static func dumpAddresses(family: IPFamily? = nil, index: Int32? = nil) -> NetlinkRequest {
        NetlinkRequest("dump addresses", type: ty(RTM_GETADDR), flags: RequestFlags.dumpRequest) { b in
            b.append(header: ifaddrmsg(
                ifa_family: family?.rawValue ?? 0, ifa_prefixlen: 0, ifa_flags: 0, ifa_scope: 0,
                ifa_index: UInt32(bitPattern: index ?? 0)))
        }
    }

    static func address(
        _ address: Address, type: UInt16, flags: UInt16, verb: String, automaticBroadcast: Bool = false
    ) -> NetlinkRequest {
        let network = address.network
        return NetlinkRequest("\(verb) address \(network) to link #\(address.index)", type: type, flags: flags) { b in
            b.append(header: ifaddrmsg(
                ifa_family: network.family.rawValue, ifa_prefixlen: UInt8(network.prefixLength),
                ifa_flags: UInt8(truncatingIfNeeded: address.flags.rawValue), ifa_scope: address.scope.rawValue,
                ifa_index: UInt32(bitPattern: address.index)))
            b.put(ty(IFA_LOCAL), bytes: network.address.bytes)
            b.put(ty(IFA_ADDRESS), bytes: (address.peer ?? network.address).bytes)
            if network.family == .v4 {
                if let broadcast = address.broadcast {
                    b.put(ty(IFA_BROADCAST), bytes: broadcast.bytes)
                } else if automaticBroadcast && network.prefixLength < 31 {
                    b.put(ty(IFA_BROADCAST), bytes: network.lastAddress.bytes)
                }
            }
            if let label = address.label { b.put(ty(IFA_LABEL), string: label) }
            if address.flags.rawValue != 0 { b.put(ty(IFA_FLAGS), u32: address.flags.rawValue) }
        }
    }
}
