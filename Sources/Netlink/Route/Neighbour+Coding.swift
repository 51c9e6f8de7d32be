import CNetlinkShim
import NetAddress

extension Neighbour {
    /// Decodes an `RTM_NEWNEIGH` message.
    public init(message: NetlinkMessage) throws(NetlinkDecodingError) {
        let payload = message.payload
        guard payload.count >= MemoryLayout<ndmsg>.size else {
            throw NetlinkDecodingError("ndmsg truncated (\(payload.count) bytes)", messageType: message.type)
        }
        let attributes = try AttributeList(parsing: payload, from: netlinkAlign(MemoryLayout<ndmsg>.size))
        guard let address = attributes[ty(NDA_DST)]?.ipAddress else {
            throw NetlinkDecodingError("neighbour without NDA_DST", messageType: message.type)
        }
        self.init(
            address: address, mac: attributes[ty(NDA_LLADDR)].flatMap { MACAddress(bytes: $0.payload) },
            index: payload.integer(Int32.self, at: 4)!, state: NeighbourState(rawValue: payload.integer(UInt16.self, at: 8)!),
            flags: payload[10])
    }

    /// The entry as an `RTM_NEWNEIGH` message (fake replies and round-trip tests).
    public var message: NetlinkMessage {
        try! NetlinkMessage.split(NetlinkRequest.neighbour(self, type: ty(RTM_NEWNEIGH), flags: 0, verb: "").bytes)[0]
    }
}

extension NetlinkRequest {
    /// `RTM_NEWNEIGH` adding or replacing an entry (`ip neigh replace <ip> lladdr <mac> dev <dev> nud <state>`).
    public static func replaceNeighbour(_ neighbour: Neighbour) -> NetlinkRequest {
        Self.neighbour(neighbour, type: ty(RTM_NEWNEIGH), flags: RequestFlags.change | RequestFlags.create | RequestFlags.replace, verb: "replace")
    }

    /// `RTM_DELNEIGH` (`ip neigh del <ip> dev <dev>`).
    public static func deleteNeighbour(_ neighbour: Neighbour) -> NetlinkRequest {
        var identity = neighbour
        identity.mac = nil
        identity.state = []
        identity.flags = 0
        return Self.neighbour(identity, type: ty(RTM_DELNEIGH), flags: RequestFlags.change, verb: "delete")
    }

    /// `RTM_GETNEIGH` dump (`ip neigh show [dev <dev>]`), filtered by `NDA_IFINDEX` when `index` is set.
    public static func dumpNeighbours(family: IPFamily? = nil, index: Int32? = nil) -> NetlinkRequest {
        NetlinkRequest("dump neighbours", type: ty(RTM_GETNEIGH), flags: RequestFlags.dumpRequest) { b in
            b.append(header: ndmsg(
                ndm_family: family?.rawValue ?? 0, ndm_pad1: 0, ndm_pad2: 0, ndm_ifindex: 0, ndm_state: 0, ndm_flags: 0, ndm_type: 0))
            if let index { b.put(ty(NDA_IFINDEX), u32: UInt32(bitPattern: index)) }
        }
    }

    static func neighbour(_ neighbour: Neighbour, type: UInt16, flags: UInt16, verb: String) -> NetlinkRequest {
        NetlinkRequest("\(verb) neighbour \(neighbour.address) on link #\(neighbour.index)", type: type, flags: flags) { b in
            b.append(header: ndmsg(
                ndm_family: neighbour.family.rawValue, ndm_pad1: 0, ndm_pad2: 0, ndm_ifindex: neighbour.index,
                ndm_state: neighbour.state.rawValue, ndm_flags: neighbour.flags, ndm_type: 0))
            b.put(ty(NDA_DST), bytes: neighbour.address.bytes)
            if let mac = neighbour.mac { b.put(ty(NDA_LLADDR), bytes: mac.bytes) }
        }
    }
}
