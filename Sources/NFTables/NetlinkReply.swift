import CNetlinkShim

/// One netlink message in a received datagram: its header fields and a pointer to the whole message
/// (libnftnl's parsers take the `nlmsghdr`).
struct NetlinkReply {
    var type: UInt16
    var flags: UInt16
    var sequence: UInt32
    var portID: UInt32
    var header: UnsafePointer<nlmsghdr>
    /// The bytes after the 16-byte header.
    var payload: UnsafeRawBufferPointer

    /// For an NLMSG_ERROR message: the errno (0 for an ack), the sequence of the message it answers, and the
    /// extended-ack text (NLMSGERR_ATTR_MSG) when the kernel sent one.
    var error: (errno: Int32, sequence: UInt32, message: String?)? {
        guard type == UInt16(NLMSG_ERROR), payload.count >= 20 else { return nil }
        let code = payload.loadUnaligned(fromByteOffset: 0, as: Int32.self)
        let originalLength = Int(payload.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let originalSequence = payload.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
        var message: String?
        if flags & UInt16(NLM_F_ACK_TLVS) != 0 {
            // TLVs follow the original message: its header only when capped, all of it otherwise.
            let capped = flags & UInt16(NLM_F_CAPPED) != 0 || code == 0
            var offset = 4 + (capped ? 16 : cni_nlmsg_align(originalLength))
            while offset + 4 <= payload.count {
                let length = Int(payload.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                let kind = payload.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self)
                guard length >= 4, offset + length <= payload.count else { break }
                if cni_nla_type(kind) == UInt16(NLMSGERR_ATTR_MSG.rawValue) {
                    var bytes = Array(payload[(offset + 4)..<(offset + length)])
                    if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
                    message = String(decoding: bytes, as: UTF8.self)
                }
                offset += cni_nla_align(length)
            }
        }
        return (-code, originalSequence, message)
    }

    /// The value of the top-level attribute `type` of an nfnetlink message (after its 4-byte nfgenmsg),
    /// found without a full parse.
    func attribute(_ type: UInt16) -> UnsafeRawBufferPointer? {
        var offset = 4
        while offset + 4 <= payload.count {
            let length = Int(payload.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let kind = payload.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self)
            guard length >= 4, offset + length <= payload.count else { return nil }
            if cni_nla_type(kind) == type { return UnsafeRawBufferPointer(rebasing: payload[(offset + 4)..<(offset + length)]) }
            offset += cni_nla_align(length)
        }
        return nil
    }

    /// A NUL-terminated string attribute.
    func stringAttribute(_ type: UInt16) -> String? {
        attribute(type).map { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The messages in `buffer[0..<count]`; stops at the first truncated one.
    static func parse(_ buffer: UnsafeRawBufferPointer) -> [NetlinkReply] {
        var replies: [NetlinkReply] = []
        var offset = 0
        while offset + 16 <= buffer.count {
            let length = Int(buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            guard length >= 16, offset + length <= buffer.count, let base = buffer.baseAddress else { break }
            let header = (base + offset).assumingMemoryBound(to: nlmsghdr.self)
            replies.append(
                NetlinkReply(
                    type: buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self),
                    flags: buffer.loadUnaligned(fromByteOffset: offset + 6, as: UInt16.self),
                    sequence: buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self),
                    portID: buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self),
                    header: UnsafePointer(header),
                    payload: UnsafeRawBufferPointer(start: base + offset + 16, count: length - 16)))
            offset += cni_nlmsg_align(length)
        }
        return replies
    }
}
