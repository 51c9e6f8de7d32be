import CNI
import Posix
import SystemPackage

/// Everything host-local can fail with. Messages are the reference plugin's, so that logs and
/// runtime events read the same whichever binary ran; the kind decides the CNI error code.
public struct HostLocalError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The network configuration is wrong (bad range, bad name, bad requested address).
        case invalidConfig
        /// CNI_ARGS carries a value that does not parse.
        case invalidArgs
        /// A well-formed request that cannot be met: pool exhausted, address taken, duplicate.
        case allocation
        /// CHECK found no lease for the attachment.
        case notFound
        /// A file operation failed.
        case io(Errno)
        /// STATUS: ADD cannot be serviced now (pool exhausted, data dir unusable).
        case unavailable
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func config(_ message: String) -> HostLocalError { HostLocalError(.invalidConfig, message) }
    static func allocation(_ message: String) -> HostLocalError { HostLocalError(.allocation, message) }

    /// `what` names the object (`open /var/lib/cni/networks/net1`); the errno text follows, as Go prints it.
    static func io(_ errno: Errno, _ what: String) -> HostLocalError {
        HostLocalError(.io(errno), "\(what): \(errno.goDescription)")
    }

    /// The same error with context in front, as Go's `fmt.Errorf("context: %v", err)`.
    func prefixed(_ context: String) -> HostLocalError {
        HostLocalError(kind, context + message)
    }
}

