import CNetlinkShim
import Netlink
import SystemPackage

/// Builders for kernel replies, for ``FunctionTransport`` handlers and decoding tests.
public enum NetlinkReplies {
    /// An `NLMSG_ERROR` with code 0: the acknowledgement of `request`.
    public static func ack(to request: NetlinkMessage) -> [UInt8] {
        errorMessage(code: 0, request: request, extendedAck: nil).bytes
    }

    /// An `NLMSG_ERROR` refusing `request` with `errno`, optionally with an extended-ack message,
    /// shaped as with `NETLINK_CAP_ACK` (only the request's header is echoed).
    public static func error(_ errno: Errno, to request: NetlinkMessage, extendedAck: String? = nil) -> [UInt8] {
        errorMessage(code: -errno.rawValue, request: request, extendedAck: extendedAck).bytes
    }

    /// Packs `messages` into one datagram, each answering `request`'s sequence, with `NLM_F_MULTI`
    /// (plus `extraFlags`, such as `NLM_F_DUMP_INTR`); `done` appends the final `NLMSG_DONE`.
    public static func multipart(
        _ messages: [NetlinkMessage], answering request: NetlinkMessage, extraFlags: UInt16 = 0, done: Bool = false
    ) -> [UInt8] {
        var datagram: [UInt8] = []
        for var message in messages {
            message.sequence = request.sequence
            message.flags |= UInt16(NLM_F_MULTI) | extraFlags
            datagram += message.bytes
        }
        if done { datagram += self.done(answering: request, extraFlags: extraFlags) }
        return datagram
    }

    /// The `NLMSG_DONE` that ends a dump.
    public static func done(answering request: NetlinkMessage, extraFlags: UInt16 = 0) -> [UInt8] {
        var payload: [UInt8] = []
        payload.appendInteger(Int32(0))
        return NetlinkMessage(
            type: UInt16(NLMSG_DONE), flags: UInt16(NLM_F_MULTI) | extraFlags, sequence: request.sequence,
            portID: request.portID, payload: payload
        ).bytes
    }

    /// A reply message of `type` with `payload`, answering `request`'s sequence.
    public static func reply(type: UInt16, payload: [UInt8], answering request: NetlinkMessage) -> [UInt8] {
        NetlinkMessage(type: type, sequence: request.sequence, portID: request.portID, payload: payload).bytes
    }

    private static func errorMessage(code: Int32, request: NetlinkMessage, extendedAck: String?) -> NetlinkMessage {
        var payload: [UInt8] = []
        payload.appendInteger(code)
        var echoed = request
        echoed.payload = []
        payload += Array(echoed.bytes.prefix(NetlinkMessage.headerLength))
        var flags = UInt16(NLM_F_CAPPED)
        if let extendedAck {
            flags |= UInt16(NLM_F_ACK_TLVS)
            let text = Array(extendedAck.utf8) + [0]
            payload.appendInteger(UInt16(4 + text.count))
            payload.appendInteger(UInt16(NLMSGERR_ATTR_MSG.rawValue))
            payload += text
            payload += repeatElement(0, count: (payload.count + 3) & ~3 - payload.count)
        }
        return NetlinkMessage(type: UInt16(NLMSG_ERROR), flags: flags, sequence: request.sequence, portID: request.portID, payload: payload)
    }
}

extension Array where Element == UInt8 {
    /// Appends a host-order integer (netlink's byte order).
    mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }
}
