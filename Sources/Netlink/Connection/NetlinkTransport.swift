/// Moves whole netlink datagrams between a ``NetlinkConnection`` and the kernel.
///
/// ``SocketTransport`` is the only implementation that makes syscalls. ``FunctionTransport``
/// answers from a closure, so the connection logic (sequence numbers, multipart dumps, ack and
/// error handling, dump retries) is testable without a kernel.
///
/// Failures are reported by throwing `Errno`; the connection wraps them in ``NetlinkError``.
public protocol NetlinkTransport: AnyObject {
    /// The port ID the kernel assigned to the socket (`nl_pid` after bind), 0 for fakes.
    var portID: UInt32 { get }
    /// Sends one datagram holding one request.
    func send(_ datagram: [UInt8]) throws
    /// Receives one datagram, which may hold several messages. Blocks until one arrives.
    func receive() throws -> [UInt8]
}
