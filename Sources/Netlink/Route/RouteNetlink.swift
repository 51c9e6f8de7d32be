import SystemPackage

/// A typed rtnetlink client: links, addresses, routes and bridge VLANs of the one network
/// namespace its socket was opened in.
///
/// Each verb sends one request (or one dump) through a ``NetlinkConnection``; its doc comment
/// names the iproute2 command with the same effect. Lookups return nil when the object does not
/// exist; everything else throws ``NetlinkError`` (kernel refusal, with the extended-ack text) or
/// ``NetlinkDecodingError`` (a reply that does not parse).
///
/// ```swift
/// let netlink = try RouteNetlink()                      // the calling thread's namespace
/// if let eth0 = try netlink.link(named: "eth0") { try netlink.setUp(eth0) }
/// ```
///
/// For another namespace, open the socket on a thread inside it (LinuxNet's
/// `NetworkNamespace.openNetlink()`), then use the client from any single thread.
public final class RouteNetlink {
    /// The underlying connection (sequence numbers, acks, dump retries).
    public let connection: NetlinkConnection

    /// A client over `transport` (a ``SocketTransport``, or a fake in tests).
    public init(transport: any NetlinkTransport) {
        self.connection = NetlinkConnection(transport: transport)
    }

    /// A client with a new socket in the calling thread's network namespace.
    public convenience init() throws(Errno) {
        self.init(transport: try SocketTransport())
    }

    /// Sends `request`, expecting an acknowledgement; returns the replies that preceded it.
    @discardableResult
    func execute(_ request: NetlinkRequest) throws -> [NetlinkMessage] {
        try connection.execute(request)
    }

    /// Runs a dump and decodes each message with `decode`.
    func dump<T>(_ request: NetlinkRequest, _ decode: (NetlinkMessage) throws -> T) throws -> [T] {
        try connection.dump(request).map(decode)
    }

    /// Sends a `get` and decodes the single reply; nil when the kernel says the object is missing.
    func get<T>(_ request: NetlinkRequest, _ decode: (NetlinkMessage) throws -> T) throws -> T? {
        do {
            guard let reply = try connection.execute(request).first else {
                throw NetlinkDecodingError("no reply to \(request.operation)", messageType: request.type)
            }
            return try decode(reply)
        } catch let error as NetlinkError where error.isNotFound {
            return nil
        }
    }
}
