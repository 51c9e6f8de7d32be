import SystemPackage

/// A failed nftables operation: what was attempted (naming the table, chain or rule), the kernel's errno and
/// the extended-ack text the kernel attached, if any.
///
/// `description` reads like `nftables: add rule to inet cni_plugins_masquerade masq_checks: Operation not
/// supported (kernel: ...)`.
public struct NFTError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is. A struct with static members, so codes can be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case kernel, socket, encoding, malformedReply }
        private let value: Value

        /// The kernel rejected a request (see `errno`); ENOENT here means "no such table/chain/rule".
        public static let kernel = Code(value: .kernel)
        /// A socket call failed (open, bind, send, receive).
        public static let socket = Code(value: .socket)
        /// A request could not be built (bad argument, libnftnl refused an attribute).
        public static let encoding = Code(value: .encoding)
        /// The kernel's reply could not be understood (truncated, wrong sequence, unparsable).
        public static let malformedReply = Code(value: .malformedReply)

        public var description: String {
            switch value {
            case .kernel: return "kernel"
            case .socket: return "socket"
            case .encoding: return "encoding"
            case .malformedReply: return "malformed reply"
            }
        }
    }

    public var code: Code
    /// The operation and the object it named, e.g. `add rule to inet cni_plugins_masquerade masq_checks`.
    public var operation: String
    /// The errno from the kernel's ack or the failed system call.
    public var errno: Errno?
    /// The kernel's extended-ack message (NLMSGERR_ATTR_MSG), when it sent one.
    public var kernelMessage: String?

    public init(_ code: Code, operation: String, errno: Errno? = nil, kernelMessage: String? = nil) {
        self.code = code
        self.operation = operation
        self.errno = errno
        self.kernelMessage = kernelMessage
    }

    /// True when the kernel said the table, chain or rule does not exist (ENOENT).
    public var isNotFound: Bool { code == .kernel && errno == .noSuchFileOrDirectory }

    /// True when this kernel has no nftables at all: no netfilter netlink (the socket cannot be opened:
    /// EPROTONOSUPPORT) or no nf_tables subsystem behind it (requests fail with EOPNOTSUPP).
    public var isUnsupported: Bool {
        guard let errno else { return false }
        return errno == .protocolNotSupported || errno == .addressFamilyNotSupported
            || (code == .kernel && errno == .notSupported)
    }

    public var description: String {
        var text = "nftables: \(operation)"
        if let errno { text += ": \(errno.description)" } else if code != .kernel { text += ": \(code)" }
        if let kernelMessage, !kernelMessage.isEmpty { text += " (kernel: \(kernelMessage))" }
        return text
    }
}
