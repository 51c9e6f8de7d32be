import CNetlinkShim
import NetAddress

/// An interface address (`RTM_NEWADDR`), as `ip addr show` lists it; also the input of
/// `RouteNetlink.addAddress(_:)`.
public struct Address: Hashable, Sendable {
    /// The address and its prefix length (`IFA_LOCAL`, or `IFA_ADDRESS` when there is no
    /// `IFA_LOCAL`, as for IPv6; `ifa_prefixlen`).
    public var network: IPNetwork
    /// Interface index (`ifa_index`).
    public var index: Int32
    /// Flags (`IFA_FLAGS`): tentative, dadfailed, nodad, noprefixroute, ...
    public var flags: AddressFlags
    /// Scope (`ifa_scope`).
    public var scope: RouteScope
    /// The remote end of a point-to-point address (`IFA_ADDRESS` differing from `IFA_LOCAL`).
    public var peer: IPAddress?
    /// IPv4 broadcast (`IFA_BROADCAST`). When adding an IPv4 address with a prefix shorter than
    /// /31 and no broadcast, the last address of the subnet is used, as the reference plugins'
    /// netlink library does (`ip addr add ... brd +`).
    public var broadcast: IPAddress?
    /// IPv4 label (`IFA_LABEL`); the kernel sets it to the interface name when absent.
    public var label: String?

    public init(
        _ network: IPNetwork, index: Int32, flags: AddressFlags = [], scope: RouteScope = .universe,
        peer: IPAddress? = nil, broadcast: IPAddress? = nil, label: String? = nil
    ) {
        self.network = network
        self.index = index
        self.flags = flags
        self.scope = scope
        self.peer = peer
        self.broadcast = broadcast
        self.label = label
    }

    /// IPv4 or IPv6.
    public var family: IPFamily { network.family }
    /// Duplicate address detection has not finished (`IFA_F_TENTATIVE`).
    public var isTentative: Bool { flags.contains(.tentative) }
    /// Duplicate address detection failed (`IFA_F_DADFAILED`).
    public var isDADFailed: Bool { flags.contains(.dadFailed) }
}

extension Address {
    /// Decodes an `RTM_NEWADDR` message.
    public init(message: NetlinkMessage) throws(NetlinkDecodingError) {
        let payload = message.payload
        guard payload.count >= MemoryLayout<ifaddrmsg>.size else {
            throw NetlinkDecodingError("ifaddrmsg truncated (\(payload.count) bytes)", messageType: message.type)
        }
        let attributes = try AttributeList(parsing: payload, from: netlinkAlign(MemoryLayout<ifaddrmsg>.size))
        let local = attributes[ty(IFA_LOCAL)]?.ipAddress
        let address = attributes[ty(IFA_ADDRESS)]?.ipAddress
        guard let primary = local ?? address,
            let network = IPNetwork(address: primary, prefixLength: Int(payload[1]))
        else {
            throw NetlinkDecodingError("address message without a usable IFA_LOCAL/IFA_ADDRESS", messageType: message.type)
        }
        let flags = attributes[ty(IFA_FLAGS)]?.u32 ?? UInt32(payload[2])
        self.init(
            network, index: payload.integer(Int32.self, at: 4)!, flags: AddressFlags(rawValue: flags),
            scope: RouteScope(rawValue: payload[3]))
        if let local, let address, local != address { peer = address }
        broadcast = attributes[ty(IFA_BROADCAST)]?.ipAddress
        label = attributes[ty(IFA_LABEL)]?.string
    }

    /// The address as an `RTM_NEWADDR` message (fake replies and round-trip tests).
    public var message: NetlinkMessage {
        let request = NetlinkRequest.address(self, type: ty(RTM_NEWADDR), flags: 0, verb: "")
        return try! NetlinkMessage.split(request.bytes)[0]
    }
}
