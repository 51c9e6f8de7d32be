import CLibmnl
import CNetlinkShim
import Glibc
import SystemPackage

/// An `AF_NETLINK`/`NETLINK_ROUTE` socket through libmnl: the only code in this module that makes
/// socket syscalls.
///
/// A netlink socket stays bound to the network namespace of the thread that created it. To work
/// on another namespace, create the descriptor on a thread inside it with ``openDescriptor()``
/// (LinuxNet's `NetworkNamespace.openNetlink()` does this) and adopt it here with
/// ``init(adopting:)`` from any thread.
///
/// Sockets are opened with `NETLINK_EXT_ACK` (the kernel explains its errors), `NETLINK_CAP_ACK`
/// (errors don't echo the whole request) and `NETLINK_GET_STRICT_CHK` (dump filters by interface
/// or table are honoured, and malformed requests are rejected instead of silently ignored).
public final class SocketTransport: NetlinkTransport {
    /// Receive buffer size; libmnl's `MNL_SOCKET_DUMP_SIZE`, large enough for any dump datagram.
    static let receiveSize = 32768

    private let socket: OpaquePointer
    public let portID: UInt32
    private var buffer: [UInt8]

    /// Opens and binds a socket in the calling thread's network namespace.
    public convenience init() throws(Errno) {
        try self.init(adopting: Self.openDescriptor())
    }

    /// Takes ownership of a bound `NETLINK_ROUTE` socket descriptor (from ``openDescriptor()``).
    /// The descriptor is closed if adoption fails.
    public init(adopting descriptor: Int32) throws(Errno) {
        guard let socket = mnl_socket_fdopen(descriptor) else {
            let error = Errno(rawValue: Glibc.errno)
            close(descriptor)
            throw error
        }
        self.socket = socket
        self.portID = mnl_socket_get_portid(socket)
        // Only the kernel writes it (and only what it wrote is read): not zero-filled.
        self.buffer = [UInt8](unsafeUninitializedCapacity: Self.receiveSize) { _, count in count = Self.receiveSize }
    }

    deinit {
        mnl_socket_close(socket)
    }

    /// Creates, configures and binds a `NETLINK_ROUTE` socket in the calling thread's namespace and
    /// returns its descriptor (close-on-exec). The caller owns it.
    public static func openDescriptor() throws(Errno) -> Int32 {
        guard let socket = mnl_socket_open2(NETLINK_ROUTE, Int32(SOCK_CLOEXEC.rawValue)) else {
            throw Errno(rawValue: Glibc.errno)
        }
        var on: Int32 = 1
        for option in [NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK] {
            // Older kernels lack some options; the socket still works without them.
            _ = mnl_socket_setsockopt(socket, option, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let error = Errno(rawValue: Glibc.errno)
            mnl_socket_close(socket)
            throw error
        }
        // Keep the descriptor; free only libmnl's wrapper (mnl_socket_close would close the fd).
        let descriptor = mnl_socket_get_fd(socket)
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        let error = Errno(rawValue: Glibc.errno)
        mnl_socket_close(socket)
        guard duplicate >= 0 else { throw error }
        return duplicate
    }

    /// The socket descriptor (owned by this transport).
    public var descriptor: Int32 { mnl_socket_get_fd(socket) }

    public func send(_ datagram: [UInt8]) throws {
        while true {
            let sent = datagram.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
            if sent >= 0 { return }
            let error = Errno(rawValue: Glibc.errno)
            if error != .interrupted { throw error }
        }
    }

    public func receive() throws -> [UInt8] {
        while true {
            let received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
            if received >= 0 { return Array(buffer[0..<received]) }
            // ENOSPC: libmnl's report of a truncated datagram (MSG_TRUNC).
            let error = Errno(rawValue: Glibc.errno)
            if error != .interrupted { throw error }
        }
    }
}
