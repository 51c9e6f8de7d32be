/// A request ready to send: the message bytes (sequence and port ID zero) and a human-readable
/// description of the operation, used in errors ("add link veth1a2b3c4d").
///
/// Requests are built by the static functions in the `NetlinkRequest+*.swift` files; each is pinned
/// by a golden-bytes test.
public struct NetlinkRequest: Hashable, Sendable {
    /// What the request does, for error messages.
    public var operation: String
    /// The whole message, starting with `nlmsghdr`.
    public var bytes: [UInt8]

    public init(operation: String, bytes: [UInt8]) {
        precondition(bytes.count >= NetlinkMessage.headerLength, "a netlink request needs a header")
        self.operation = operation
        self.bytes = bytes
    }

    /// Builds a request through ``MessageBuilder``.
    init(_ operation: String, type: UInt16, flags: UInt16, _ body: (inout MessageBuilder) -> Void) {
        self.init(operation: operation, bytes: MessageBuilder.build(type: type, flags: flags, body))
    }

    /// `nlmsg_type`.
    public var type: UInt16 { bytes.integer(UInt16.self, at: 4)! }
    /// `nlmsg_flags`.
    public var flags: UInt16 { bytes.integer(UInt16.self, at: 6)! }
    /// True for a dump (`NLM_F_DUMP`): the reply is a multipart series ending in `NLMSG_DONE`.
    public var isDump: Bool { flags & RequestFlags.dump == RequestFlags.dump }

    /// The same request with `nlmsg_seq` set.
    func stamped(sequence: UInt32) -> [UInt8] {
        var copy = bytes
        copy.setInteger(sequence, at: 8)
        return copy
    }
}
