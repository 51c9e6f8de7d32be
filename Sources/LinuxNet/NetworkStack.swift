import Netlink

/// A network namespace as a plugin works on it: a netlink socket bound in it (links, addresses,
/// routes) and its sysctls (`/proc/sys/net` as seen from inside it). Plugins get theirs from
/// their host resources (PluginKit's `HostResources`): the host's and the container's.
///
/// ```swift
/// let host = try NetworkStack(namespace: NetworkNamespace.current())
/// let container = try NetworkStack(namespace: NetworkNamespace.open(path: netnsPath))
/// try container.sysctls { try $0.set("net/ipv4/conf/eth0/arp_notify", to: "1") }
/// ```
///
/// Tests build one over a fake kernel: a socket answered by it, its sysctl table, and a
/// ``NetworkNamespace/detached(path:reference:)`` namespace that nothing can enter.
public final class NetworkStack {
    /// Runs `body` with the namespace's sysctls, in one visit.
    public typealias SysctlVisitor = (_ body: (any SysctlAccess) throws -> Void) throws -> Void

    /// The namespace. For a real one, what requests that place a link in it name
    /// (``NetworkNamespace/descriptor``) and where work that must run inside it goes
    /// (``NetworkNamespace/perform(_:)``).
    public let namespace: NetworkNamespace
    /// A netlink client bound in ``namespace``.
    public let netlink: RouteNetlink
    /// A fake's sysctls; nil for the kernel's, inside ``namespace``.
    private let fakeSysctls: SysctlVisitor?

    /// Opens a netlink socket inside `namespace` (on a dedicated thread unless it is the calling
    /// thread's namespace).
    public convenience init(namespace: NetworkNamespace) throws {
        self.init(namespace: namespace, netlink: try namespace.openNetlink())
    }

    /// Pairs a namespace with a client already bound in it, and with `sysctls` (nil: the
    /// kernel's, read and written inside `namespace`; a fake kernel's otherwise).
    public init(namespace: NetworkNamespace, netlink: RouteNetlink, sysctls: SysctlVisitor? = nil) {
        self.namespace = namespace
        self.netlink = netlink
        self.fakeSysctls = sysctls
    }

    private func visitSysctls(_ body: (any SysctlAccess) throws -> Void) throws {
        if let fakeSysctls { return try fakeSysctls(body) }
        try namespace.perform { try body(KernelSysctls()) }
    }

    /// Runs `body` with the namespace's sysctls and returns its result: all of it in one visit
    /// (for another namespace than the calling thread's, one dedicated thread). Equivalent to
    /// `ip netns exec <ns> sysctl ...`.
    public func sysctls<T>(_ body: (any SysctlAccess) throws -> T) throws -> T {
        var result: T?
        try visitSysctls { result = try body($0) }
        return result!
    }

    /// ``sysctls(_:)`` for work that returns nothing (most of it: no generic result to carry).
    public func sysctls(_ body: (any SysctlAccess) throws -> Void) throws {
        try visitSysctls(body)
    }

    /// Writes `value` to `key` unless it already holds it; true when it wrote. Equivalent to
    /// `ip netns exec <ns> sysctl -w <key>=<value>`.
    @discardableResult
    public func setSysctl(_ key: String, to value: String) throws -> Bool {
        var wrote = false
        try visitSysctls { wrote = try $0.set(key, to: value) }
        return wrote
    }
}

/// The sysctls of one namespace, as seen from inside it (``NetworkStack/sysctls(_:)``). Keys are
/// relative to `/proc/sys` and under `net/` (``Sysctl``).
public protocol SysctlAccess {
    /// The value of `key`, without the trailing newline.
    func read(_ key: String) throws(SysctlError) -> String
    /// Writes `value` to `key`.
    func write(_ key: String, _ value: String) throws(SysctlError)
}

extension SysctlAccess {
    /// Writes `value` unless `key` already holds it; returns true when it wrote.
    @discardableResult
    public func set(_ key: String, to value: String) throws(SysctlError) -> Bool {
        if try read(key) == value { return false }
        try write(key, value)
        return true
    }
}

/// The calling thread's namespace's sysctls: ``Sysctl``'s files.
struct KernelSysctls: SysctlAccess {
    func read(_ key: String) throws(SysctlError) -> String { try Sysctl.read(key) }
    func write(_ key: String, _ value: String) throws(SysctlError) { try Sysctl.write(key, value) }
}
