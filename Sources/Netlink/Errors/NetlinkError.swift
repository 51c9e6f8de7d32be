import SystemPackage

/// The kernel refused a netlink request, or the socket failed while sending or receiving one.
///
/// Carries what was attempted, the errno, and the kernel's extended acknowledgement (the
/// human-readable reason newer kernels attach, enabled with `NETLINK_EXT_ACK`). Reads like
/// `netlink add link veth1a2b3c4d: File exists (kernel: "Device name already in use")`.
///
/// Test for common outcomes with ``isNotFound`` and ``isExists``, match the errno in a `switch`
/// (`case Errno.fileExists:`), or catch it with `catch let error as NetlinkError where error.isExists`.
public struct NetlinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was attempted, such as "add link veth1a2b3c4d" or "dump routes".
    public var operation: String
    /// The request's `nlmsg_type` (`RTM_NEWLINK`, ...), when the failure answers a request.
    public var messageType: UInt16?
    /// The error number (from the kernel's `NLMSG_ERROR`, or from a failed send/receive).
    public var errno: Errno
    /// The kernel's explanation (`NLMSGERR_ATTR_MSG`), when it sent one.
    public var extendedAck: String?
    /// Offset in the request of the attribute the kernel blamed (`NLMSGERR_ATTR_OFFS`).
    public var extendedAckOffset: UInt32?
    /// The request's sequence number (0 when it was never sent).
    public var sequence: UInt32
    /// True when the kernel answered the request with this error (`NLMSG_ERROR`); false when the
    /// socket failed (open, send, receive) or the kernel's answer never came.
    public var isKernelAnswer: Bool

    public init(
        operation: String, messageType: UInt16? = nil, errno: Errno, extendedAck: String? = nil,
        extendedAckOffset: UInt32? = nil, sequence: UInt32 = 0, isKernelAnswer: Bool = false
    ) {
        self.operation = operation
        self.messageType = messageType
        self.errno = errno
        self.extendedAck = extendedAck
        self.extendedAckOffset = extendedAckOffset
        self.sequence = sequence
        self.isKernelAnswer = isKernelAnswer
    }

    public var description: String {
        var text = "netlink \(operation): \(errno)"
        if let extendedAck, !extendedAck.isEmpty { text += " (kernel: \"\(extendedAck)\")" }
        return text
    }

    /// True when the object the request names does not exist. rtnetlink spells this differently
    /// per object: `ENODEV` for a link, `ESRCH` for a route, `EADDRNOTAVAIL` for an address, and
    /// `ENOENT` for neighbours, VLANs and some lookups.
    public var isNotFound: Bool {
        switch errno {
        case .operationNotSupportedByDevice, .noSuchProcess, .addressNotAvailable, .noSuchFileOrDirectory: return true
        default: return false
        }
    }

    /// True when the object being created already exists (`EEXIST`).
    public var isExists: Bool { errno == .fileExists }

    /// Matches a `NetlinkError` against an errno in a `switch`.
    public static func ~= (pattern: Errno, error: NetlinkError) -> Bool { error.errno == pattern }
}

/// A reply that does not parse: truncated, inconsistent lengths, or a missing mandatory field.
/// These indicate a bug or a kernel surprise, not an environment failure.
public struct NetlinkDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong.
    public var reason: String
    /// The message type being decoded, when known.
    public var messageType: UInt16?

    public init(_ reason: String, messageType: UInt16? = nil) {
        self.reason = reason
        self.messageType = messageType
    }

    public var description: String {
        if let messageType { return "malformed netlink reply (type \(messageType)): \(reason)" }
        return "malformed netlink reply: \(reason)"
    }
}
