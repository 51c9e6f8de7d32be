import CLibnftnl
import CNetlinkShim
import Glibc
import Netlink
import SystemPackage

/// nftables over a netfilter netlink ``NetlinkConnection``: batches committed as one transaction,
/// single-object lookups and dumps. Messages are built by libnftnl; sending, sequence numbers,
/// acknowledgements, multipart dumps and their retries are the shared netlink connection's.
///
/// The socket is bound to the network namespace of the thread that opened it (open it on a thread
/// inside the target namespace; it stays bound there for its lifetime). Tests hand it a
/// fake transport instead (`CNITestSupport`), so code that drives nftables runs without root.
///
/// Not thread-safe: use one connection from one thread at a time.
public final class NFTConnection {
    let netlink: NetlinkConnection
    /// Where libnftnl's builders write each message before it is copied out; made once per
    /// connection, on first use, and not zeroed: the builders write every byte up to the
    /// message's `nlmsg_len` (headers, attributes and their padding), and only those are copied.
    private var scratch: UnsafeMutableRawBufferPointer?

    /// The largest single message (a rule with many expressions fits easily).
    static let maxMessageSize = 65536 + 4096

    /// Opens a netfilter socket in the calling thread's network namespace.
    public convenience init() throws(NFTError) {
        try self.init(.callingThread(.netfilter))
    }

    /// A connection over a new socket from `opener` (a netfilter one: the host's that a plugin
    /// was handed, or a fake's).
    public convenience init(_ opener: TransportOpener) throws(NFTError) {
        let transport: any NetlinkTransport
        do {
            transport = try opener.open()
        } catch let error as Errno {
            throw NFTError(.socket, operation: "open netfilter netlink socket", errno: error)
        } catch let error as NetlinkError {
            throw NFTError(error)
        } catch {
            throw NFTError(.socket, operation: "open netfilter netlink socket: \(error)")
        }
        self.init(transport: transport)
    }

    /// A connection over `transport`: a ``SocketTransport`` of ``NetlinkProtocol/netfilter``
    /// (opened in the namespace to work on), or a fake.
    public init(transport: any NetlinkTransport) {
        // Sequence numbers start from the clock, as nft's do, so two processes sharing a
        // namespace's queue of notifications never look alike.
        netlink = NetlinkConnection(transport: transport, initialSequence: UInt32(truncatingIfNeeded: time(nil)))
    }

    deinit { scratch?.deallocate() }

    /// Where this connection's datagrams go.
    public var transport: any NetlinkTransport { netlink.transport }

    // MARK: commit

    /// Sends `batch` as one transaction and waits for the kernel's verdict on every message.
    ///
    /// Either every operation applies or none does. On failure the error names the first operation the
    /// kernel rejected, with its errno and extended-ack text. An empty batch sends nothing.
    public func commit(_ batch: NFTBatch) throws(NFTError) {
        guard !batch.isEmpty else { return }
        let requests = try withScratch { (buffer) throws(NFTError) -> [NetlinkRequest] in
            var requests: [NetlinkRequest] = []
            requests.reserveCapacity(batch.operations.count + 2)
            requests.append(Self.request("begin batch", buffer) { _ = nftnl_batch_begin($0, 0) })
            for operation in batch.operations {
                try operation.encode(into: buffer)
                requests.append(Self.request(operation.description, buffer))
            }
            requests.append(Self.request("end batch", buffer) { _ = nftnl_batch_end($0, 0) })
            return requests
        }
        try run("commit batch") { try netlink.executeBatch(requests) }
    }

    // MARK: requests and dumps

    /// Sends one request message (not a dump) built by `build` and returns the kernel's reply
    /// messages before its acknowledgement (the object a GET asked for).
    func get(_ what: String, build: (UnsafeMutablePointer<CChar>) throws(NFTError) -> Void) throws(NFTError) -> [NetlinkMessage] {
        let request = try withScratch { (buffer) throws(NFTError) -> NetlinkRequest in
            try build(buffer)
            return Self.request(what, buffer)
        }
        return try run(what) { try netlink.execute(request) }
    }

    /// Sends one dump request built by `build` and returns every message of the reply; a dump a
    /// concurrent change interrupted (`NLM_F_DUMP_INTR`) is repeated by the connection.
    func dump(_ what: String, build: (UnsafeMutablePointer<CChar>) throws(NFTError) -> Void) throws(NFTError) -> [NetlinkMessage] {
        let request = try withScratch { (buffer) throws(NFTError) -> NetlinkRequest in
            try build(buffer)
            return Self.request(what, buffer)
        }
        return try run(what) { try netlink.dump(request) }
    }

    /// Runs a netlink exchange, with its failures as ``NFTError``s.
    private func run<T>(_ what: String, _ body: () throws -> T) throws(NFTError) -> T {
        do {
            return try body()
        } catch let error as NetlinkError {
            throw NFTError(error)
        } catch {
            throw NFTError(.malformedReply, operation: "\(what): \(error)")
        }
    }

    /// The scratch buffer for libnftnl's builders, which write one message at its start (every
    /// byte up to its `nlmsg_len`, padding included).
    private func withScratch<T>(_ body: (UnsafeMutablePointer<CChar>) throws(NFTError) -> T) throws(NFTError) -> T {
        let buffer: UnsafeMutableRawBufferPointer
        if let scratch {
            buffer = scratch
        } else {
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.maxMessageSize, alignment: 8)
            scratch = buffer
        }
        return try body(buffer.baseAddress!.assumingMemoryBound(to: CChar.self))
    }

    /// The message at the start of `buffer` (after `build` wrote it, when given), copied out.
    private static func request(
        _ what: String, _ buffer: UnsafeMutablePointer<CChar>, build: ((UnsafeMutablePointer<CChar>) -> Void)? = nil
    ) -> NetlinkRequest {
        build?(buffer)
        let raw = UnsafeRawPointer(buffer)
        let length = Int(raw.loadUnaligned(as: UInt32.self))
        return NetlinkRequest(operation: what, bytes: Array(UnsafeRawBufferPointer(start: raw, count: length)))
    }
}

extension NFTError {
    /// A failed netlink exchange: refused by the kernel (`kernel`), or a failed socket (`socket`).
    init(_ error: NetlinkError) {
        self.init(
            error.isKernelAnswer ? .kernel : .socket, operation: error.operation, errno: error.errno,
            kernelMessage: error.extendedAck)
    }
}

extension NetlinkMessage {
    /// Runs `body` with the message in wire form, as libnftnl's `*_nlmsg_parse` functions take it.
    func withHeader<T>(_ body: (UnsafePointer<nlmsghdr>) -> T) -> T {
        bytes.withUnsafeBytes { body($0.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)) }
    }

    /// The payload of the first top-level attribute of `type` of an nfnetlink message (after its
    /// 4-byte `nfgenmsg`), found without parsing the others.
    func nfAttribute(_ type: UInt16) -> ArraySlice<UInt8>? { attribute(type, afterHeader: 4) }

    /// A NUL-terminated string attribute of an nfnetlink message.
    func nfString(_ type: UInt16) -> String? {
        nfAttribute(type).map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The comment in a userdata attribute of `type`.
    func nfComment(_ type: UInt16) -> String? {
        nfAttribute(type).flatMap { data in data.withUnsafeBytes { commentFromUserdata($0) } }
    }
}
