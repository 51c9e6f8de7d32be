import CNetlinkShim

/// One message received from the kernel: the `nlmsghdr` fields and the payload after it.
///
/// ```
///  0               4       6       8               12              16
/// +---------------+-------+-------+---------------+---------------+---------------···
/// | nlmsg_len     | type  | flags | nlmsg_seq     | nlmsg_pid     | payload (family header, attributes)
/// +---------------+-------+-------+---------------+---------------+---------------···
/// ```
public struct NetlinkMessage: Hashable, Sendable {
    /// `nlmsg_type`: `NLMSG_ERROR`, `NLMSG_DONE`, or a family type such as `RTM_NEWLINK`.
    public var type: UInt16
    /// `nlmsg_flags` (`NLM_F_MULTI`, `NLM_F_DUMP_INTR`, `NLM_F_CAPPED`, `NLM_F_ACK_TLVS`, ...).
    public var flags: UInt16
    /// `nlmsg_seq`: the sequence number of the request this answers.
    public var sequence: UInt32
    /// `nlmsg_pid`: the port ID the message is addressed to.
    public var portID: UInt32
    /// Everything after the 16-byte header, `nlmsg_len - 16` bytes.
    public var payload: [UInt8]

    public init(type: UInt16, flags: UInt16 = 0, sequence: UInt32 = 0, portID: UInt32 = 0, payload: [UInt8] = []) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// Size of `struct nlmsghdr`.
    public static let headerLength = 16

    /// The message in wire form, padded to 4 bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(netlinkAlign(Self.headerLength + payload.count))
        out.appendInteger(UInt32(Self.headerLength + payload.count))
        out.appendInteger(type)
        out.appendInteger(flags)
        out.appendInteger(sequence)
        out.appendInteger(portID)
        out.append(contentsOf: payload)
        out.append(contentsOf: repeatElement(0, count: netlinkAlign(out.count) - out.count))
        return out
    }

    /// Splits one received datagram into its messages.
    public static func split(_ datagram: [UInt8]) throws(NetlinkDecodingError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while offset + headerLength <= datagram.count {
            let length = Int(datagram.integer(UInt32.self, at: offset)!)
            guard length >= headerLength, offset + length <= datagram.count else {
                throw NetlinkDecodingError("message at offset \(offset) claims \(length) bytes, datagram has \(datagram.count - offset)")
            }
            messages.append(
                NetlinkMessage(
                    type: datagram.integer(UInt16.self, at: offset + 4)!,
                    flags: datagram.integer(UInt16.self, at: offset + 6)!,
                    sequence: datagram.integer(UInt32.self, at: offset + 8)!,
                    portID: datagram.integer(UInt32.self, at: offset + 12)!,
                    payload: Array(datagram[(offset + headerLength)..<(offset + length)])
                ))
            offset += netlinkAlign(length)
        }
        guard offset >= datagram.count else {
            throw NetlinkDecodingError("\(datagram.count - offset) trailing bytes after the last message")
        }
        return messages
    }
}

extension NetlinkMessage {
    /// True for the kernel's `NLMSG_ERROR` (an error, or an acknowledgement when its code is 0).
    var isError: Bool { type == ty(NLMSG_ERROR) }
    /// True for `NLMSG_DONE`, the end of a dump.
    var isDone: Bool { type == ty(NLMSG_DONE) }
    /// True when the kernel flagged the dump as inconsistent (`NLM_F_DUMP_INTR`).
    var isDumpInterrupted: Bool { flags & ty(NLM_F_DUMP_INTR) != 0 }
}
