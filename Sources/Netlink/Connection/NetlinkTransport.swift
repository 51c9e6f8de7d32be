/// Moves whole netlink datagrams between a ``NetlinkConnection`` and the kernel.
///
/// ``SocketTransport`` is the only implementation that makes syscalls (for every
/// ``NetlinkProtocol``: rtnetlink, netfilter, generic). Tests answer from a closure instead
/// (`CNITestSupport`'s `FunctionTransport`, and the fake kernel behind it), so the connection
/// logic (sequence numbers, multipart dumps, ack and error handling, dump retries, batches) and
/// the clients above it are testable without a kernel.
///
/// Failures are reported by throwing `Errno`; the connection wraps them in ``NetlinkError``.
public protocol NetlinkTransport: AnyObject {
    /// The port ID the kernel assigned to the socket (`nl_pid` after bind), 0 for fakes.
    var portID: UInt32 { get }
    /// Sends one datagram holding one request (or one netfilter batch).
    func send(_ datagram: [UInt8]) throws
    /// Receives one datagram, which may hold several messages. Blocks until one arrives.
    func receive() throws -> [UInt8]
    /// The next datagram when one is already queued, nil otherwise; never blocks. Used to drain
    /// the answers of a batch the kernel aborted, which may not answer every message.
    func receiveIfQueued() throws -> [UInt8]?
    /// Makes room for a datagram of `bytes` carrying `messages` requests that each want an
    /// answer (socket buffer sizes); nothing for transports without buffers.
    func reserve(sending bytes: Int, messages: Int)
}

extension NetlinkTransport {
    public func reserve(sending bytes: Int, messages: Int) {}
}
