import SystemPackage

/// A failed operation on a path, worded as Go's `*fs.PathError`: `open /etc/cni/net.d: permission
/// denied`. The runtime's messages mirror libcni's, whose errors read this way.
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The operation, as Go names it: `open`, `read`, `write`, `mkdir`, `remove`.
    public var operation: String
    public var path: String
    public var errno: Errno

    public init(_ operation: String, _ path: String, _ errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(operation) \(path): \(errno.goDescription)" }
}
