import CNetlinkShim
import Glibc
import Posix
import SystemPackage

/// Named network namespaces as iproute2 keeps them: a fresh namespace bind-mounted on
/// `/var/run/netns/<name>`, so it lives on without any process in it and every tool that knows
/// `ip netns` finds it. cnitool's `netns add|del|list` use this, so trying a network by hand needs
/// no iproute2.
public enum NamedNetworkNamespace {
    /// Where iproute2 (and runtimes such as CRI-O and Podman) put named namespaces.
    public static let defaultDirectory = "/var/run/netns"

    /// Creates namespace `name` and returns its path. Equivalent to `ip netns add NAME`.
    ///
    /// Like iproute2, the directory is made a shared mount point first (bind-mounted onto itself
    /// if it is not a mount point yet), so the namespace mount propagates to other mount
    /// namespaces. The namespace is made with `unshare(CLONE_NEWNET)` on a dedicated thread that
    /// ends right after the bind mount; no thread the caller shares changes namespace.
    @discardableResult
    public static func create(_ name: String, directory: String = defaultDirectory) throws(NamespaceError) -> String {
        let path = try self.path(name, directory: directory)
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw NamespaceError.from(Errno(rawValue: errno), path: directory, doing: "create directory for")
        }
        try makeShared(directory)
        let fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)
        guard fd >= 0 else {
            let e = Errno(rawValue: errno)
            if e == .fileExists {
                throw NamespaceError(.alreadyExists, path: path, message: "cannot create namespace file \"\(path)\"", cause: e)
            }
            throw NamespaceError.from(e, path: path, doing: "create")
        }
        close(fd)
        do {
            try DedicatedThread.run { () throws -> Void in
                guard cni_unshare(cni_clone_newnet()) == 0 else {
                    throw NamespaceError(
                        .ioFailure, path: path, message: "cannot create a network namespace for \"\(path)\"",
                        cause: Errno(rawValue: errno))
                }
                guard mount("/proc/thread-self/ns/net", path, "none", UInt(MS_BIND), nil) == 0 else {
                    throw NamespaceError(
                        .ioFailure, path: path, message: "cannot bind the new namespace onto \"\(path)\"",
                        cause: Errno(rawValue: errno))
                }
            }
        } catch {
            unlink(path)
            throw error as? NamespaceError
                ?? NamespaceError(.threadFailed, path: path, message: "cannot create namespace \"\(path)\": \(error)")
        }
        return path
    }

    /// Removes namespace `name`: detaches its mount and deletes the file. The namespace itself
    /// ends when nothing else holds it. Equivalent to `ip netns del NAME`.
    public static func delete(_ name: String, directory: String = defaultDirectory) throws(NamespaceError) {
        let path = try self.path(name, directory: directory)
        // EINVAL: not a mount point (a stale file); the file still goes.
        if umount2(path, Int32(MNT_DETACH)) != 0 && errno != EINVAL && errno != ENOENT {
            throw NamespaceError.from(Errno(rawValue: errno), path: path, doing: "unmount")
        }
        guard unlink(path) == 0 else {
            throw NamespaceError.from(Errno(rawValue: errno), path: path, doing: "remove")
        }
    }

    /// The names in the directory, sorted. Equivalent to `ip netns list` (names only).
    public static func list(directory: String = defaultDirectory) throws(NamespaceError) -> [String] {
        let entries: [DirectoryEntry]?
        do {
            entries = try Files.entries(ofDirectory: directory)
        } catch {
            throw NamespaceError.from(error.errno, path: directory, doing: "list")
        }
        return (entries ?? []).map(\.name).filter { !$0.hasPrefix(".") }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The file for `name`, which must be a plain file name.
    public static func path(_ name: String, directory: String = defaultDirectory) throws(NamespaceError) -> String {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0") else {
            throw NamespaceError(.invalidName, path: name, message: "invalid network namespace name \"\(name)\"")
        }
        return directory + "/" + name
    }

    /// `mount --make-rshared DIR`, bind-mounting DIR onto itself first if it is not a mount point
    /// (iproute2's `netns_add`).
    private static func makeShared(_ directory: String) throws(NamespaceError) {
        let flags = UInt(MS_SHARED) | UInt(MS_REC)
        if mount("", directory, "none", flags, nil) == 0 { return }
        guard errno == EINVAL else {
            throw NamespaceError.from(Errno(rawValue: errno), path: directory, doing: "share mounts of")
        }
        guard mount(directory, directory, "none", UInt(MS_BIND) | UInt(MS_REC), nil) == 0,
            mount("", directory, "none", flags, nil) == 0
        else {
            throw NamespaceError.from(Errno(rawValue: errno), path: directory, doing: "share mounts of")
        }
    }
}
