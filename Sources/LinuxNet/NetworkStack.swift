import Netlink

/// A network namespace together with a netlink socket bound in it: what every LinuxNet
/// operation needs (netlink for links, addresses and routes; the namespace for sysctls).
///
/// A plugin opens one for its own (host) namespace and one for the container's, then never
/// switches namespace again:
///
/// ```swift
/// let host = try NetworkStack(namespace: NetworkNamespace.current())
/// let container = try NetworkStack(namespace: NetworkNamespace.open(path: netnsPath))
/// ```
public final class NetworkStack {
    /// The namespace.
    public let namespace: NetworkNamespace
    /// A netlink client bound in ``namespace``.
    public let netlink: RouteNetlink

    /// Opens a netlink socket inside `namespace` (on a dedicated thread unless it is the calling
    /// thread's namespace).
    public convenience init(namespace: NetworkNamespace) throws {
        self.init(namespace: namespace, netlink: try namespace.openNetlink())
    }

    /// Pairs a namespace with a client already bound in it (or a fake, in tests).
    public init(namespace: NetworkNamespace, netlink: RouteNetlink) {
        self.namespace = namespace
        self.netlink = netlink
    }
}
