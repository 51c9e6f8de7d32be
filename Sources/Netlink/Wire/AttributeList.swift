import NetAddress

/// One netlink attribute (`struct nlattr` and its payload).
public struct Attribute: Hashable, Sendable {
    /// The type with `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER` stripped.
    public var type: UInt16
    /// The payload, without the 4-byte header or trailing padding.
    public var payload: [UInt8]

    public init(type: UInt16, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// The payload as an 8-bit value, or nil when too short.
    public var u8: UInt8? { payload.first }
    /// The payload as a host-order 16-bit value.
    public var u16: UInt16? { payload.integer(UInt16.self) }
    /// The payload as a host-order 32-bit value.
    public var u32: UInt32? { payload.integer(UInt32.self) }
    /// The payload as a signed host-order 32-bit value.
    public var s32: Int32? { payload.integer(Int32.self) }
    /// The payload as a NUL-terminated string.
    public var string: String { payload.cString }
    /// The payload as an IPv4 or IPv6 address (4 or 16 network-order bytes).
    public var ipAddress: IPAddress? { IPAddress(bytes: payload) }
    /// The payload parsed as nested attributes.
    public func nested() throws(NetlinkDecodingError) -> AttributeList { try AttributeList(parsing: payload) }
}

/// The attributes that follow a family header, in the order received.
///
/// Parsed in Swift (bounds-checked) rather than through `mnl_attr_parse`, so a malformed reply
/// becomes a ``NetlinkDecodingError`` instead of a callback protocol. Unknown types are kept:
/// decoding never fails on something newer kernels add.
public struct AttributeList: Hashable, Sendable, Sequence {
    public private(set) var attributes: [Attribute]

    /// Parses `bytes[offset...]` as a run of attributes.
    public init(parsing bytes: [UInt8], from offset: Int = 0) throws(NetlinkDecodingError) {
        var attributes: [Attribute] = []
        var position = offset
        while position + 4 <= bytes.count {
            let length = Int(bytes.integer(UInt16.self, at: position)!)
            let type = bytes.integer(UInt16.self, at: position + 2)! & 0x3fff  // NLA_TYPE_MASK
            guard length >= 4, position + length <= bytes.count else {
                throw NetlinkDecodingError("attribute \(type) at offset \(position) claims \(length) bytes, \(bytes.count - position) left")
            }
            attributes.append(Attribute(type: type, payload: Array(bytes[(position + 4)..<(position + length)])))
            position += netlinkAlign(length)
        }
        self.attributes = attributes
    }

    public func makeIterator() -> IndexingIterator<[Attribute]> { attributes.makeIterator() }

    /// The first attribute of `type`.
    public subscript(type: UInt16) -> Attribute? { attributes.first { $0.type == type } }

    /// All attributes of `type` (repeated attributes such as `IFLA_BRIDGE_VLAN_INFO`).
    public func all(_ type: UInt16) -> [Attribute] { attributes.filter { $0.type == type } }

    /// The nested attributes inside the first attribute of `type`, or nil when absent.
    public func nested(_ type: UInt16) throws(NetlinkDecodingError) -> AttributeList? {
        guard let attribute = self[type] else { return nil }
        return try attribute.nested()
    }
}

extension NetlinkMessage {
    /// The payload of the first top-level attribute of `type` after a family header of
    /// `headerLength` bytes, found without parsing the others (a dump's filter reads one or two
    /// attributes of every message); nil when absent or when the attributes before it are
    /// malformed.
    public func attribute(_ type: UInt16, afterHeader headerLength: Int) -> ArraySlice<UInt8>? {
        var position = netlinkAlign(headerLength)
        while position + 4 <= payload.count {
            let length = Int(payload.integer(UInt16.self, at: position)!)
            guard length >= 4, position + length <= payload.count else { return nil }
            if payload.integer(UInt16.self, at: position + 2)! & 0x3fff == type {  // NLA_TYPE_MASK
                return payload[(position + 4)..<(position + length)]
            }
            position += netlinkAlign(length)
        }
        return nil
    }
}
