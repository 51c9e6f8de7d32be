import Glibc
import SystemPackage

extension NetworkNamespace {
    /// Takes an exclusive `flock` on the namespace file, waiting for other holders: plugins that
    /// read and then change state inside a container namespace (sbr's choice of a free routing
    /// table) serialise on it, as the reference's do (`filemutex` on the same path), so ours and
    /// theirs exclude each other too. Held until ``unlock()`` or until the value is released.
    /// A detached namespace (a fake kernel's) has no file: nothing to lock.
    public func lock() throws(NamespaceError) {
        guard !isDetached else { return }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw NamespaceError.from(Errno(rawValue: errno), path: path, doing: "lock") }
        }
    }

    /// Releases ``lock()``.
    public func unlock() {
        guard !isDetached else { return }
        _ = flock(descriptor, LOCK_UN)
    }
}
