import CLibmnl
import CLibnftnl
import CNetlinkShim
import Glibc
import SystemPackage

/// A netfilter netlink socket for nftables, bound to the network namespace of the thread that opened it
/// (open it on a thread inside the target namespace; it stays bound there for its lifetime).
///
/// Not thread-safe: use one connection from one thread at a time.
public final class NFTConnection {
    private let socket: OpaquePointer
    private let portID: UInt32
    private var sequence: UInt32

    /// The largest single message a batch can hold (a rule with many expressions fits easily).
    private static let maxMessageSize: UInt32 = 65536 + 4096
    private static let receiveSize = 65536

    /// Opens the socket in the calling thread's network namespace.
    public init() throws(NFTError) {
        guard let socket = mnl_socket_open(NETLINK_NETFILTER) else {
            throw NFTError(.socket, operation: "open netfilter netlink socket", errno: Errno(rawValue: Glibc.errno))
        }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let e = Errno(rawValue: Glibc.errno)
            mnl_socket_close(socket)
            throw NFTError(.socket, operation: "bind netfilter netlink socket", errno: e)
        }
        var one: Int32 = 1
        // Extended acks carry the kernel's reason text; capped acks keep large batches' acks small.
        _ = mnl_socket_setsockopt(socket, NETLINK_EXT_ACK, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = mnl_socket_setsockopt(socket, NETLINK_CAP_ACK, &one, socklen_t(MemoryLayout<Int32>.size))
        self.socket = socket
        self.portID = mnl_socket_get_portid(socket)
        self.sequence = UInt32(truncatingIfNeeded: time(nil))
    }

    deinit { mnl_socket_close(socket) }

    private var fd: Int32 { mnl_socket_get_fd(socket) }

    private func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    // MARK: commit

    /// Sends `batch` as one transaction and waits for the kernel's verdict on every message.
    ///
    /// Either every operation applies or none does. On failure the error names the first operation the
    /// kernel rejected, with its errno and extended-ack text. An empty batch sends nothing.
    public func commit(_ batch: NFTBatch) throws(NFTError) {
        guard !batch.isEmpty else { return }
        guard let b = nftnl_batch_alloc(UInt32(getpagesize()) * 8, Self.maxMessageSize) else {
            throw NFTError(.encoding, operation: "allocate batch")
        }
        defer { nftnl_batch_free(b) }
        var operationBySequence: [UInt32: NFTBatch.Operation] = [:]
        nftnl_batch_begin(nftnl_batch_buffer(b).assumingMemoryBound(to: CChar.self), nextSequence())
        _ = nftnl_batch_update(b)
        for operation in batch.operations {
            let seq = nextSequence()
            try operation.encode(into: nftnl_batch_buffer(b), sequence: seq)
            operationBySequence[seq] = operation
            guard nftnl_batch_update(b) == 0 else { throw NFTError(.encoding, operation: "grow batch") }
        }
        nftnl_batch_end(nftnl_batch_buffer(b).assumingMemoryBound(to: CChar.self), nextSequence())
        _ = nftnl_batch_update(b)

        try send(b, operations: batch.operations.count)
        try collectAcks(expecting: operationBySequence)
    }

    private func send(_ b: OpaquePointer, operations: Int) throws(NFTError) {
        let count = nftnl_batch_iovec_len(b)
        var iov = [iovec](repeating: iovec(), count: Int(count))
        nftnl_batch_iovec(b, &iov, UInt32(count))
        let total = iov.reduce(0) { $0 + $1.iov_len }
        // The whole batch must fit the socket's send buffer (one skb); each ack needs room on the way back.
        if total > 128 * 1024 || operations > 2000 {
            var size = Int32(clamping: max(total * 2, operations * 128))
            let len = socklen_t(MemoryLayout<Int32>.size)
            if setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, len) != 0 {
                _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, len)
            }
            if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, len) != 0 {
                _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, len)
            }
        }
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let sent = withUnsafeMutablePointer(to: &address) { addr in
            iov.withUnsafeMutableBufferPointer { iovs in
                var message = msghdr()
                message.msg_name = UnsafeMutableRawPointer(addr)
                message.msg_namelen = socklen_t(MemoryLayout<sockaddr_nl>.size)
                message.msg_iov = iovs.baseAddress
                message.msg_iovlen = iovs.count
                return sendmsg(fd, &message, 0)
            }
        }
        guard sent >= 0 else {
            throw NFTError(.socket, operation: "send batch of \(operations) operations", errno: Errno(rawValue: Glibc.errno))
        }
    }

    /// Reads the replies to a batch. The kernel processes a batch synchronously inside sendmsg, so its
    /// replies are already queued; waiting is only a safety net. Every message asked for an ack, so we are
    /// done when each has one, or, after an error, when nothing more is queued (an aborted batch may not
    /// answer every message).
    private func collectAcks(expecting operations: [UInt32: NFTBatch.Operation]) throws(NFTError) {
        var pending = Set(operations.keys)
        var firstError: (sequence: UInt32, error: NFTError)?
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.receiveSize, alignment: 4)
        defer { buffer.deallocate() }
        while !pending.isEmpty {
            let flags = firstError == nil ? 0 : Int32(MSG_DONTWAIT)
            if firstError == nil, try !waitReadable(timeoutMs: 5000) {
                throw NFTError(.malformedReply, operation: "wait for batch acks (\(pending.count) missing)")
            }
            let received = recv(fd, buffer.baseAddress, buffer.count, flags)
            if received < 0 {
                let e = Errno(rawValue: Glibc.errno)
                if e == .interrupted { continue }
                if e == .wouldBlock || e == .resourceTemporarilyUnavailable { break }
                throw NFTError(.socket, operation: "receive batch acks", errno: e)
            }
            for reply in NetlinkReply.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<received])) {
                guard reply.portID == portID || reply.portID == 0, let error = reply.error else { continue }
                pending.remove(error.sequence)
                guard error.errno != 0 else { continue }
                let what = operations[error.sequence]?.description ?? "commit batch"
                let failure = NFTError(
                    .kernel, operation: what, errno: Errno(rawValue: error.errno), kernelMessage: error.message)
                if firstError == nil || error.sequence < firstError!.sequence {
                    firstError = (error.sequence, failure)
                }
            }
        }
        if let firstError { throw firstError.error }
    }

    /// poll(2) for input; false on timeout.
    func waitReadable(timeoutMs: Int32) throws(NFTError) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let n = poll(&pfd, 1, timeoutMs)
            if n > 0 { return true }
            if n == 0 { return false }
            let e = Errno(rawValue: Glibc.errno)
            if e != .interrupted { throw NFTError(.socket, operation: "poll netlink socket", errno: e) }
        }
    }

    // MARK: requests and dumps

    /// Sends one request message built by `build` (which gets a buffer and the sequence number) and calls
    /// `handle` for each reply message until the request is answered (NLMSG_DONE for dumps, the ack or the
    /// error otherwise). Returns false when a dump was interrupted by a concurrent change (NLM_F_DUMP_INTR).
    func request(
        _ what: String,
        build: (UnsafeMutablePointer<CChar>, UInt32) throws(NFTError) -> Void,
        handle: (NetlinkReply) throws(NFTError) -> Void
    ) throws(NFTError) -> Bool {
        let seq = nextSequence()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.receiveSize, alignment: 4)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        try build(buffer.baseAddress!.assumingMemoryBound(to: CChar.self), seq)
        let length = Int(buffer.load(as: UInt32.self))
        guard mnl_socket_sendto(socket, buffer.baseAddress, length) >= 0 else {
            throw NFTError(.socket, operation: what, errno: Errno(rawValue: Glibc.errno))
        }
        var interrupted = false
        while true {
            guard try waitReadable(timeoutMs: 5000) else {
                throw NFTError(.malformedReply, operation: "\(what): no reply")
            }
            let received = recv(fd, buffer.baseAddress, buffer.count, 0)
            if received < 0 {
                let e = Errno(rawValue: Glibc.errno)
                if e == .interrupted { continue }
                throw NFTError(.socket, operation: what, errno: e)
            }
            for reply in NetlinkReply.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<received])) {
                guard reply.sequence == seq, reply.portID == portID || reply.portID == 0 else { continue }
                if reply.flags & UInt16(NLM_F_DUMP_INTR) != 0 { interrupted = true }
                if reply.type == UInt16(NLMSG_DONE) { return !interrupted }
                if let error = reply.error {
                    if error.errno == 0 { return !interrupted }
                    throw NFTError(
                        .kernel, operation: what, errno: Errno(rawValue: error.errno), kernelMessage: error.message)
                }
                // A single (non-dump) reply is followed by its ack, so keep reading either way.
                try handle(reply)
            }
        }
    }
}
