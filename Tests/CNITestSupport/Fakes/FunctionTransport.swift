import Netlink
import SystemPackage

/// A transport that answers each request with a closure: the fake for tests of netlink logic
/// without a kernel (after mdlayher's `nltest.Dial`), and what the fake kernel (`FakeKernel`)
/// answers through.
///
/// The closure receives every request as sent (with its sequence number) and returns the
/// datagrams to deliver for it; ``NetlinkReplies`` builds acks, errors and multipart dumps.
/// Every datagram sent is recorded in ``requests``.
///
/// ```swift
/// let transport = FunctionTransport { request in [NetlinkReplies.ack(to: request)] }
/// let netlink = RouteNetlink(transport: transport)
/// ```
public final class FunctionTransport: NetlinkTransport {
    /// Produces the reply datagrams for one request.
    public typealias Handler = (NetlinkMessage) throws -> [[UInt8]]

    public let portID: UInt32
    /// Every request sent, in order.
    public private(set) var requests: [NetlinkMessage] = []
    private var pending: [[UInt8]] = []
    private let handler: Handler

    public init(portID: UInt32 = 0, _ handler: @escaping Handler) {
        self.portID = portID
        self.handler = handler
    }

    /// Hands each request of the datagram to the handler (a netfilter batch carries several).
    public func send(_ datagram: [UInt8]) throws {
        let messages = try NetlinkMessage.split(datagram)
        guard !messages.isEmpty else { throw Errno.invalidArgument }
        for request in messages {
            requests.append(request)
            pending.append(contentsOf: try handler(request))
        }
    }

    /// Delivers the next queued datagram; `EAGAIN` when the handler queued none, where a real
    /// socket would block forever.
    public func receive() throws -> [UInt8] {
        guard !pending.isEmpty else { throw Errno.resourceTemporarilyUnavailable }
        return pending.removeFirst()
    }

    public func receiveIfQueued() throws -> [UInt8]? {
        pending.isEmpty ? nil : pending.removeFirst()
    }
}
