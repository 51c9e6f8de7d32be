import CLibmnl
import CNetlinkShim
import Glibc
import SystemPackage

/// An `AF_NETLINK` socket through libmnl, for any ``NetlinkProtocol``: the only code in the
/// project that makes netlink socket syscalls.
///
/// A netlink socket stays bound to the network namespace of the thread that created it. To work
/// on another namespace, create the descriptor on a thread inside it with
/// ``openDescriptor(_:)`` (LinuxNet's `NetworkNamespace.openTransport(_:)` does this) and adopt it
/// here with ``init(adopting:)`` from any thread.
public final class SocketTransport: NetlinkTransport {
    private let socket: OpaquePointer
    public let portID: UInt32
    private var buffer: [UInt8]

    /// Opens and binds a socket of `proto` in the calling thread's network namespace.
    public convenience init(_ proto: NetlinkProtocol = .route) throws(Errno) {
        self.init(socket: try Self.openSocket(proto), receiveSize: proto.receiveBufferSize)
    }

    /// Takes ownership of a bound netlink socket descriptor of `proto` (from
    /// ``openDescriptor(_:)``). The descriptor is closed if adoption fails.
    public convenience init(adopting descriptor: Int32, _ proto: NetlinkProtocol = .route) throws(Errno) {
        guard let socket = mnl_socket_fdopen(descriptor) else {
            let error = Errno(rawValue: Glibc.errno)
            close(descriptor)
            throw error
        }
        self.init(socket: socket, receiveSize: proto.receiveBufferSize)
    }

    private init(socket: OpaquePointer, receiveSize: Int) {
        self.socket = socket
        self.portID = mnl_socket_get_portid(socket)
        // Not zeroed: only the bytes the kernel wrote are ever read (and 64 KiB of zeroing at
        // each plugin exec shows in its instruction count).
        self.buffer = [UInt8](unsafeUninitializedCapacity: receiveSize) { _, count in count = receiveSize }
    }

    deinit {
        mnl_socket_close(socket)
    }

    /// Creates, configures (``NetlinkProtocol``'s options) and binds a socket of `proto` in the
    /// calling thread's namespace and returns its descriptor (close-on-exec). The caller owns it.
    public static func openDescriptor(_ proto: NetlinkProtocol = .route) throws(Errno) -> Int32 {
        let socket = try openSocket(proto)
        // Keep the descriptor; free only libmnl's wrapper (mnl_socket_close would close the fd).
        let duplicate = fcntl(mnl_socket_get_fd(socket), F_DUPFD_CLOEXEC, 0)
        let error = Errno(rawValue: Glibc.errno)
        mnl_socket_close(socket)
        guard duplicate >= 0 else { throw error }
        return duplicate
    }

    /// A configured, bound libmnl socket of `proto`.
    private static func openSocket(_ proto: NetlinkProtocol) throws(Errno) -> OpaquePointer {
        guard let socket = mnl_socket_open2(proto.rawValue, Int32(SOCK_CLOEXEC.rawValue)) else {
            throw Errno(rawValue: Glibc.errno)
        }
        var on: Int32 = 1
        let options = proto.socketOptions
        // Older kernels lack some options; the socket still works without them.
        _ = mnl_socket_setsockopt(socket, options.0, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = mnl_socket_setsockopt(socket, options.1, &on, socklen_t(MemoryLayout<Int32>.size))
        if let third = options.2 { _ = mnl_socket_setsockopt(socket, third, &on, socklen_t(MemoryLayout<Int32>.size)) }
        if var timeout = proto.receiveTimeout {
            _ = setsockopt(
                mnl_socket_get_fd(socket), SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let error = Errno(rawValue: Glibc.errno)
            mnl_socket_close(socket)
            throw error
        }
        return socket
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

    public func receiveIfQueued() throws -> [UInt8]? {
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if received >= 0 { return Array(buffer[0..<received]) }
            let error = Errno(rawValue: Glibc.errno)
            if error == .resourceTemporarilyUnavailable || error == .wouldBlock { return nil }
            if error != .interrupted { throw error }
        }
    }

    /// Grows both socket buffers when a datagram of `bytes` carrying `messages` requests is
    /// coming: the whole datagram must fit the send buffer (it is one skb), and every request's
    /// acknowledgement needs room on the way back. Small requests leave the defaults alone.
    public func reserve(sending bytes: Int, messages: Int) {
        guard bytes > 128 * 1024 || messages > 2000 else { return }
        var size = Int32(clamping: max(bytes * 2, messages * 128))
        let length = socklen_t(MemoryLayout<Int32>.size)
        // The FORCE variants pass the system limit (root only); the plain ones are capped by it.
        if setsockopt(descriptor, SOL_SOCKET, SO_SNDBUFFORCE, &size, length) != 0 {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &size, length)
        }
        if setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, length) != 0 {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, length)
        }
    }
}
