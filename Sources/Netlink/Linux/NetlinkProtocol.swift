import CNetlinkShim
import Glibc

/// A netlink protocol (the third argument of `socket(AF_NETLINK, SOCK_RAW, protocol)`), with the
/// socket options this project opens it with.
///
/// One ``SocketTransport`` opener serves all of them: rtnetlink (links, addresses, routes),
/// netfilter (nftables and conntrack) and generic netlink. Open kernel values, so a struct with
/// static members rather than a closed enum.
public struct NetlinkProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// rtnetlink. The corresponding C constant is `NETLINK_ROUTE`.
    public static let route = NetlinkProtocol(rawValue: NETLINK_ROUTE)
    /// nfnetlink: nftables (`NFNL_SUBSYS_NFTABLES`) and conntrack (`NFNL_SUBSYS_CTNETLINK`).
    /// The corresponding C constant is `NETLINK_NETFILTER`.
    public static let netfilter = NetlinkProtocol(rawValue: NETLINK_NETFILTER)
    /// Generic netlink (families resolved by name through `nlctrl`). The corresponding C constant
    /// is `NETLINK_GENERIC`.
    public static let generic = NetlinkProtocol(rawValue: NETLINK_GENERIC)

    public var description: String {
        switch self {
        case .route: return "rtnetlink"
        case .netfilter: return "netfilter netlink"
        case .generic: return "generic netlink"
        default: return "netlink protocol \(rawValue)"
        }
    }

    /// Socket options set at open. Every socket asks for `NETLINK_EXT_ACK` (the kernel explains
    /// its errors) and `NETLINK_CAP_ACK` (errors echo only the request's header, so the acks of a
    /// large nftables batch stay small). rtnetlink adds `NETLINK_GET_STRICT_CHK`: dump filters by
    /// interface or table are honoured, and malformed requests are rejected instead of silently
    /// ignored. (A tuple, not an array: no allocation at each plugin exec.)
    var socketOptions: (Int32, Int32, Int32?) {
        (NETLINK_EXT_ACK, NETLINK_CAP_ACK, self == .route ? NETLINK_GET_STRICT_CHK : nil)
    }

    /// The receive buffer: libmnl's `MNL_SOCKET_DUMP_SIZE` (32 KiB, the largest datagram a dump
    /// sends) for rtnetlink; 64 KiB for netfilter, where one datagram also carries the acks of a
    /// large batch.
    var receiveBufferSize: Int { self == .route ? 32768 : 65536 }

    /// How long a receive waits before failing with `EAGAIN` (nil: forever). The kernel answers
    /// a request inside the `sendmsg` that carries it, so a wait is never expected; for netfilter
    /// it is a safety net that turns a lost answer into an error instead of a hung plugin.
    var receiveTimeout: timeval? {
        self == .netfilter ? timeval(tv_sec: 5, tv_usec: 0) : nil
    }
}
