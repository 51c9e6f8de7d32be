import CNetlinkShim
import Glibc
import Netlink
import SystemPackage

/// An open network namespace: a file descriptor on `/var/run/netns/<name>`, `/proc/<pid>/ns/net`
/// or similar, kept open (and the namespace alive) until the value is released.
///
/// Work that must happen *inside* the namespace runs through ``perform(_:)`` on a short-lived
/// dedicated thread that joins the namespace with `setns` and then ends; no thread the caller
/// shares ever changes namespace. Netlink work does not need that: ``openNetlink()`` creates the
/// socket on such a thread, and the socket stays bound to the namespace while the caller uses it.
public final class NetworkNamespace: Sendable, CustomStringConvertible {
    /// The path it was opened from.
    public let path: String
    /// The open descriptor (owned; closed on release). For a detached namespace, the number a
    /// fake kernel knows it by.
    public let descriptor: Int32
    /// True for a handle that stands for no namespace of this machine (``detached(path:reference:)``).
    public let isDetached: Bool

    private init(path: String, descriptor: Int32, isDetached: Bool = false) {
        self.path = path
        self.descriptor = descriptor
        self.isDetached = isDetached
    }

    deinit {
        if !isDetached { close(descriptor) }
    }

    /// A handle that stands for no namespace of this machine: what a stack over a fake kernel
    /// carries (`CNITestSupport`). `reference` is the number the fake knows it by, sent where a
    /// request names a namespace (`IFLA_NET_NS_FD`); it is never used as a descriptor here, and
    /// nothing can enter the namespace (``perform(_:)`` throws), so code that would reach the
    /// machine's own kernel instead of the fake fails.
    public static func detached(path: String, reference: Int32) -> NetworkNamespace {
        NetworkNamespace(path: path, descriptor: reference, isDetached: true)
    }

    /// Opens the network namespace at `path`.
    ///
    /// Throws ``NamespaceError`` with code ``NamespaceError/Code/notFound`` when nothing is at
    /// `path` (DEL treats that as success), and ``NamespaceError/Code/notANamespace`` when the
    /// file is not on nsfs/procfs or is a namespace of another type.
    public static func open(path: String) throws(NamespaceError) -> NetworkNamespace {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw NamespaceError.from(Errno(rawValue: errno), path: path, doing: "open") }
        let namespace = NetworkNamespace(path: path, descriptor: descriptor)
        let fsType = cni_fstatfs_type(descriptor)
        guard fsType >= 0 else { throw NamespaceError.from(Errno(rawValue: errno), path: path, doing: "inspect") }
        guard fsType == cni_nsfs_magic() || fsType == cni_proc_magic() else {
            throw NamespaceError(.notANamespace, path: path, message: "\"\(path)\" is not a network namespace (not on nsfs or procfs)")
        }
        // nsfs holds every namespace type; a mount or PID namespace file must not pass as a netns.
        let type = cni_ns_get_nstype(descriptor)
        if type >= 0, type != cni_clone_newnet() {
            throw NamespaceError(.notANamespace, path: path, message: "\"\(path)\" is a namespace, but not a network namespace")
        }
        return namespace
    }

    /// The network namespace of the calling thread (`/proc/thread-self/ns/net`): the plugin's
    /// host namespace when called from its main thread.
    public static func current() throws(NamespaceError) -> NetworkNamespace {
        try open(path: "/proc/thread-self/ns/net")
    }

    public var description: String { path }

    /// The namespace's identity (device and inode of its nsfs file); equal identities are the
    /// same namespace, whatever paths they were opened from.
    public var identity: NamespaceIdentity {
        get throws(NamespaceError) {
            if isDetached { return NamespaceIdentity(device: 0, inode: UInt64(UInt32(bitPattern: descriptor))) }
            var info = stat()
            guard fstat(descriptor, &info) == 0 else {
                throw NamespaceError.from(Errno(rawValue: errno), path: path, doing: "stat")
            }
            return NamespaceIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        }
    }

    /// True when both values refer to the same namespace.
    public func isSame(as other: NetworkNamespace) throws(NamespaceError) -> Bool {
        try identity == other.identity
    }

    /// True when this is the calling thread's namespace. A plugin uses this to reject a
    /// `CNI_NETNS` that is its own (host) namespace (CNI error 8, invalid netns).
    public var isCallerNamespace: Bool {
        get throws(NamespaceError) {
            var info = stat()
            guard stat("/proc/thread-self/ns/net", &info) == 0 else {
                throw NamespaceError.from(Errno(rawValue: errno), path: "/proc/thread-self/ns/net", doing: "stat")
            }
            return try identity == NamespaceIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        }
    }

    /// Runs `body` inside this namespace and returns its result.
    ///
    /// When this is already the calling thread's namespace, `body` runs inline. Otherwise it runs
    /// on a new pthread that enters the namespace with `setns` and ends afterwards (~50 µs), while
    /// the caller waits. Files opened under `/proc/sys/net` and sockets created in `body` belong
    /// to this namespace. `body` must not start work that outlives it on that thread.
    public func perform<T>(_ body: () throws -> T) throws -> T {
        if isDetached {
            throw NamespaceError(
                .enterFailed, path: path, message: "\"\(path)\" is a detached namespace (a fake kernel's): nothing can enter it")
        }
        if try isCallerNamespace { return try body() }
        let path = self.path
        let descriptor = self.descriptor
        return try DedicatedThread.run {
            guard cni_setns(descriptor, cni_clone_newnet()) == 0 else {
                throw NamespaceError.from(Errno(rawValue: errno), path: path, doing: "enter")
            }
            return try body()
        }
    }

    /// A netlink socket of `proto` bound in this namespace (created inside it by ``perform(_:)``);
    /// use it from the calling thread. nftables and conntrack clients take a
    /// ``NetlinkProtocol/netfilter`` one.
    public func openTransport(_ proto: NetlinkProtocol) throws -> SocketTransport {
        let socket = try perform { () throws -> Int32 in
            do throws(Errno) {
                return try SocketTransport.openDescriptor(proto)
            } catch {
                throw NetlinkError(operation: "open \(proto) socket in \(path)", errno: error)
            }
        }
        return try SocketTransport(adopting: socket, proto)
    }

    /// An rtnetlink client whose socket is bound in this namespace; use it from the calling thread.
    public func openNetlink() throws -> RouteNetlink {
        RouteNetlink(transport: try openTransport(.route))
    }
}

/// Identifies a namespace: the device and inode of its nsfs file.
public struct NamespaceIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64
}
