/// Opens netlink sockets of one protocol in one network namespace: how code that opens its own
/// sockets as it goes (an nftables connection per change, a conntrack flush) is handed them, so
/// that a plugin's host resources are injected (``callingThread(_:)`` in production, a fake
/// kernel's transports in tests).
///
/// ```swift
/// let opener = TransportOpener.callingThread(.netfilter)
/// let conntrack = NetlinkConnection(transport: try opener.open())
/// ```
public struct TransportOpener: Sendable {
    private let opening: @Sendable () throws -> any NetlinkTransport

    /// An opener that calls `open` for each socket. It throws `Errno` (or a ``NetlinkError``
    /// naming the namespace) when the socket cannot be opened.
    public init(_ open: @escaping @Sendable () throws -> any NetlinkTransport) {
        opening = open
    }

    /// A new socket.
    public func open() throws -> any NetlinkTransport { try opening() }

    /// Sockets of `proto` in the network namespace of the thread that opens them (a plugin's
    /// main thread: its host namespace).
    public static func callingThread(_ proto: NetlinkProtocol) -> TransportOpener {
        TransportOpener { () throws in try SocketTransport(proto) }
    }
}
