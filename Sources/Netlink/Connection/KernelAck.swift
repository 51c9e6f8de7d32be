import CNetlinkShim

/// The content of an `NLMSG_ERROR` (or of the error code an `NLMSG_DONE` may carry): an errno
/// (0 for an acknowledgement) plus the extended-ack attributes.
///
/// ```
/// NLMSG_ERROR payload:  int32 error | nlmsghdr of the request | [request payload unless NLM_F_CAPPED]
///                       | [NLMSGERR_ATTR_* TLVs when NLM_F_ACK_TLVS]
/// NLMSG_DONE payload:   int32 error | [NLMSGERR_ATTR_* TLVs when NLM_F_ACK_TLVS]
/// ```
struct KernelAck: Hashable, Sendable {
    /// Positive errno, 0 for success.
    var errno: Int32
    var message: String?
    var offset: UInt32?

    /// Parses an `NLMSG_ERROR` message.
    init(error message: NetlinkMessage) throws(NetlinkDecodingError) {
        let payload = message.payload
        guard let code = payload.integer(Int32.self, at: 0) else {
            throw NetlinkDecodingError("NLMSG_ERROR shorter than its error code", messageType: message.type)
        }
        errno = try Self.errno(code, message)
        guard message.flags & ty(NLM_F_ACK_TLVS) != 0 else { return }
        var tlvOffset = 4 + NetlinkMessage.headerLength
        if message.flags & ty(NLM_F_CAPPED) == 0 {
            // The kernel echoed the whole request; skip it using its own nlmsg_len.
            guard let echoedLength = payload.integer(UInt32.self, at: 4) else {
                throw NetlinkDecodingError("NLMSG_ERROR without the echoed request header", messageType: message.type)
            }
            tlvOffset = 4 + netlinkAlign(Int(echoedLength))
        }
        try parseTLVs(payload, from: tlvOffset)
    }

    /// Parses the optional error code and TLVs of an `NLMSG_DONE`.
    init(done message: NetlinkMessage) throws(NetlinkDecodingError) {
        errno = try Self.errno(message.payload.integer(Int32.self, at: 0) ?? 0, message)
        if message.flags & ty(NLM_F_ACK_TLVS) != 0 { try parseTLVs(message.payload, from: 4) }
    }

    /// The kernel sends a negated errno (at most 4095, its MAX_ERRNO) or 0; anything else is a
    /// malformed reply (negating Int32.min would trap: found by the netlink fuzz target).
    private static func errno(_ code: Int32, _ message: NetlinkMessage) throws(NetlinkDecodingError) -> Int32 {
        guard (-4095...0).contains(code) else {
            throw NetlinkDecodingError("error code \(code) out of range", messageType: message.type)
        }
        return -code
    }

    private mutating func parseTLVs(_ payload: [UInt8], from start: Int) throws(NetlinkDecodingError) {
        guard start <= payload.count else { return }
        let attributes = try AttributeList(parsing: payload, from: start)
        message = attributes[ty(NLMSGERR_ATTR_MSG)]?.string
        self.offset = attributes[ty(NLMSGERR_ATTR_OFFS)]?.u32
    }
}
