import CLibmnl
import CNetlinkShim

/// Writes one netlink request with libmnl's buffer helpers (`mnl_nlmsg_put_header`,
/// `mnl_nlmsg_put_extra_header`, `mnl_attr_put*`, `mnl_attr_nest_start/end`).
///
/// A builder only lives inside ``build(type:flags:_:)``: it points into a scratch buffer on the
/// stack, which is copied out as the finished message. The sequence number and port ID stay zero;
/// ``NetlinkConnection`` stamps the sequence when it sends, and the kernel fills in the port.
/// Running out of room is a programmer error (every rtnetlink request here is a few hundred bytes
/// at most), so it traps instead of throwing.
public struct MessageBuilder {
    /// Room for one request; libmnl's `MNL_SOCKET_BUFFER_SIZE` is the same 8 KiB.
    static let capacity = 8192

    private let header: UnsafeMutablePointer<nlmsghdr>

    private init(header: UnsafeMutablePointer<nlmsghdr>) {
        self.header = header
    }

    /// Builds a message of `type` with `flags` (`NLM_F_*`); `body` appends the fixed header and the
    /// attributes. Returns the message bytes, `nlmsg_len` long.
    public static func build(type: UInt16, flags: UInt16, _ body: (inout MessageBuilder) -> Void) -> [UInt8] {
        withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 8) { raw in
            // Not zeroed as a whole (8 KiB at every request showed in each exec's instruction
            // count): libmnl zeroes the headers it writes, and each attribute's padding is
            // zeroed before the attribute is written (`clearTail`), so no stale byte is sent.
            guard let nlh = mnl_nlmsg_put_header(raw.baseAddress) else { preconditionFailure("mnl_nlmsg_put_header") }
            nlh.pointee.nlmsg_type = type
            nlh.pointee.nlmsg_flags = flags
            var builder = MessageBuilder(header: nlh)
            body(&builder)
            return Array(UnsafeRawBufferPointer(start: raw.baseAddress, count: Int(nlh.pointee.nlmsg_len)))
        }
    }

    /// Current message length (`nlmsg_len`).
    public var length: Int { Int(header.pointee.nlmsg_len) }

    /// Appends a fixed-size C struct (`ifinfomsg`, `ifaddrmsg`, `rtmsg`, ...), padded to 4 bytes.
    /// Used for the family header right after `nlmsghdr`, and for the `ifinfomsg` that starts a
    /// veth peer's nested attributes.
    public mutating func append<Header>(header value: Header) {
        let size = MemoryLayout<Header>.size
        precondition(length + netlinkAlign(size) <= Self.capacity, "netlink request larger than \(Self.capacity) bytes")
        let area = mnl_nlmsg_put_extra_header(header, size)!
        area.storeBytes(of: value, as: Header.self)
    }

    /// Zeroes the room the next attribute takes (its header and padded payload), since libmnl
    /// leaves an attribute's padding as it finds it.
    private func clearTail(payload: Int) {
        let room = min(Self.capacity - length, 4 + netlinkAlign(payload))
        if room > 0 { (UnsafeMutableRawPointer(header) + length).initializeMemory(as: UInt8.self, repeating: 0, count: room) }
    }

    /// Appends an attribute with a raw payload.
    public mutating func put(_ type: UInt16, bytes: [UInt8]) {
        clearTail(payload: bytes.count)
        let ok = bytes.withUnsafeBytes { mnl_attr_put_check(header, Self.capacity, type, bytes.count, $0.baseAddress) }
        precondition(ok, "netlink request larger than \(Self.capacity) bytes")
    }

    /// Appends an 8-bit attribute.
    public mutating func put(_ type: UInt16, u8 value: UInt8) {
        clearTail(payload: 1)
        precondition(mnl_attr_put_u8_check(header, Self.capacity, type, value), "netlink request too large")
    }

    /// Appends a 16-bit attribute (host order).
    public mutating func put(_ type: UInt16, u16 value: UInt16) {
        clearTail(payload: 2)
        precondition(mnl_attr_put_u16_check(header, Self.capacity, type, value), "netlink request too large")
    }

    /// Appends a 32-bit attribute (host order).
    public mutating func put(_ type: UInt16, u32 value: UInt32) {
        clearTail(payload: 4)
        precondition(mnl_attr_put_u32_check(header, Self.capacity, type, value), "netlink request too large")
    }

    /// Appends a NUL-terminated string attribute, as iproute2 sends names (`mnl_attr_put_strz`).
    public mutating func put(_ type: UInt16, string value: String) {
        clearTail(payload: value.utf8.count + 1)
        precondition(mnl_attr_put_strz_check(header, Self.capacity, type, value), "netlink request too large")
    }

    /// Appends a nested attribute; `body` writes its content. `NLA_F_NESTED` is set (libmnl's
    /// default, which the kernel's strict validation expects) unless `flagged` is false, for the
    /// few places where iproute2 sends the bare type and we match its bytes.
    public mutating func nest(_ type: UInt16, flagged: Bool = true, _ body: (inout MessageBuilder) -> Void) {
        guard let start = mnl_attr_nest_start_check(header, Self.capacity, type) else {
            preconditionFailure("netlink request larger than \(Self.capacity) bytes")
        }
        if !flagged { start.pointee.nla_type = type }
        body(&self)
        mnl_attr_nest_end(header, start)
    }
}
