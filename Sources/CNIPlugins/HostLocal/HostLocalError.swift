import CNI
import DomainErrors
import Posix
import SystemPackage

/// Everything host-local can fail with. Messages are the reference plugin's, so that logs and
/// runtime events read the same whichever binary ran (an I/O failure's message ends with the
/// errno as Go words it); the code decides the kind, and so the CNI code.
public struct HostLocalError: DomainError, Equatable, Sendable {
    public enum Code: Equatable, Sendable {
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

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Config problems are 7, bad `CNI_ARGS` 4 and I/O failures 5, as the spec defines them;
    /// STATUS's "cannot service ADD" is 50. Allocation failures and a missing lease on CHECK stay
    /// 999, the code the reference reports them with, which runtimes and scripts already expect.
    public var kind: ErrorKind {
        switch code {
        case .invalidConfig: return .invalidConfig
        case .invalidArgs: return .invalidEnvironment
        case .io: return .io
        case .unavailable: return .unavailable
        case .allocation: return .conflict
        case .notFound: return .notFound
        }
    }

    /// The errno of a failed file operation.
    public var cause: (any Error)? {
        if case .io(let errno) = code { return errno }
        return nil
    }

    /// The message alone: it already ends with the errno, in Go's words.
    public var description: String { message }

    static func config(_ message: String) -> HostLocalError { HostLocalError(.invalidConfig, message) }
    static func allocation(_ message: String) -> HostLocalError { HostLocalError(.allocation, message) }

    /// `what` names the object (`open /var/lib/cni/networks/net1`); the errno text follows, as Go prints it.
    static func io(_ errno: Errno, _ what: String) -> HostLocalError {
        HostLocalError(.io(errno), "\(what): \(errno.goDescription)")
    }

    /// The same error with context in front, as Go's `fmt.Errorf("context: %v", err)`.
    func prefixed(_ context: String) -> HostLocalError {
        HostLocalError(code, context + message)
    }
}
