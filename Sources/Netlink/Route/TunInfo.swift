import CNetlinkShim

/// The settings of a tun or tap device as `ip -d link show` prints them (`IFLA_INFO_DATA` of
/// kind "tun"): what `ip tuntap add` and the `/dev/net/tun` ioctls set.
public struct TunInfo: Hashable, Sendable {
    /// A tap (Ethernet frames) rather than a tun (IP packets).
    public var isTap: Bool
    /// Packets carry the 4-byte protocol information header (`pi`, unless `IFF_NO_PI`).
    public var packetInfo: Bool
    /// Packets carry a virtio-net header (`vnet_hdr`, `IFF_VNET_HDR`).
    public var vnetHeader: Bool
    /// Several queues (`multi_queue`, `IFF_MULTI_QUEUE`).
    public var multiQueue: Bool
    /// Outlives the descriptor that created it (`persist`).
    public var persistent: Bool
    /// Owning user (`TUNSETOWNER`); nil when any user may attach.
    public var owner: UInt32?
    /// Owning group (`TUNSETGROUP`); nil when any group may attach.
    public var group: UInt32?

    public init(
        isTap: Bool, packetInfo: Bool = false, vnetHeader: Bool = false, multiQueue: Bool = false,
        persistent: Bool = true, owner: UInt32? = nil, group: UInt32? = nil
    ) {
        self.isTap = isTap
        self.packetInfo = packetInfo
        self.vnetHeader = vnetHeader
        self.multiQueue = multiQueue
        self.persistent = persistent
        self.owner = owner
        self.group = group
    }

    /// The kernel reports "no owner" as (uid_t)-1.
    static let unset = UInt32.max

    init(_ data: AttributeList) {
        func flag<T: BinaryInteger>(_ type: T) -> Bool { (data[ty(type)]?.u8 ?? 0) != 0 }
        isTap = data[ty(IFLA_TUN_TYPE)]?.u8 == 2
        packetInfo = flag(IFLA_TUN_PI)
        vnetHeader = flag(IFLA_TUN_VNET_HDR)
        multiQueue = flag(IFLA_TUN_MULTI_QUEUE)
        persistent = flag(IFLA_TUN_PERSIST)
        owner = data[ty(IFLA_TUN_OWNER)]?.u32.flatMap { $0 == Self.unset ? nil : $0 }
        group = data[ty(IFLA_TUN_GROUP)]?.u32.flatMap { $0 == Self.unset ? nil : $0 }
    }

    /// The attributes the kernel reports (for round-trip tests and fake replies).
    func encode(into b: inout MessageBuilder) {
        b.put(ty(IFLA_TUN_OWNER), u32: owner ?? Self.unset)
        b.put(ty(IFLA_TUN_GROUP), u32: group ?? Self.unset)
        b.put(ty(IFLA_TUN_TYPE), u8: isTap ? 2 : 1)
        b.put(ty(IFLA_TUN_PI), u8: packetInfo ? 1 : 0)
        b.put(ty(IFLA_TUN_VNET_HDR), u8: vnetHeader ? 1 : 0)
        b.put(ty(IFLA_TUN_PERSIST), u8: persistent ? 1 : 0)
        b.put(ty(IFLA_TUN_MULTI_QUEUE), u8: multiQueue ? 1 : 0)
    }
}
