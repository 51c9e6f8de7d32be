import DomainErrors
import SystemPackage

/// A network namespace could not be opened, checked or entered.
///
/// The code tells the cases a plugin treats differently apart: DEL succeeds when the namespace is
/// ``Code/notFound`` (the runtime already removed it), while a `CNI_NETNS` that is
/// ``Code/notANamespace`` is an invalid environment variable.
public struct NamespaceError: DomainError, Hashable, Sendable {
    public enum Code: Hashable, Sendable {
        /// The path does not exist.
        case notFound
        /// The path exists but is not a network namespace (wrong filesystem or namespace type).
        case notANamespace
        /// Opening or entering it was refused (`EACCES`, `EPERM`).
        case permissionDenied
        /// `setns` failed for another reason.
        case enterFailed
        /// The dedicated thread could not be started.
        case threadFailed
        /// A named namespace of that name already exists.
        case alreadyExists
        /// The name cannot name a namespace file (empty, `.`, `..`, or with a `/`).
        case invalidName
        /// Any other system call failure.
        case ioFailure
    }

    /// The kind of failure.
    public var code: Code
    /// The namespace path involved.
    public var path: String
    /// A sentence naming the path and what failed.
    public var message: String
    /// The underlying errno, when a system call failed.
    public var errno: Errno?

    public init(_ code: Code, path: String, message: String, cause: Errno? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.errno = cause
    }

    public var cause: (any Error)? { errno }

    /// A missing namespace is "not found" (DEL is done then); one that exists already is a
    /// conflict; the rest are internal. (A plugin's `CNI_NETNS` that is missing or no network
    /// namespace is a bad environment variable: PluginKit's `ContainerNamespace` says so.)
    public var kind: ErrorKind {
        switch code {
        case .notFound: return .notFound
        case .alreadyExists: return .conflict
        case .notANamespace, .permissionDenied, .enterFailed, .threadFailed, .invalidName, .ioFailure: return .internal
        }
    }

    /// Maps a failed `open`/`setns` errno to the right code.
    static func from(_ errno: Errno, path: String, doing action: String) -> NamespaceError {
        switch errno {
        case .noSuchFileOrDirectory, .notDirectory:
            return NamespaceError(.notFound, path: path, message: "network namespace \"\(path)\" does not exist", cause: errno)
        case .permissionDenied, .notPermitted:
            return NamespaceError(.permissionDenied, path: path, message: "cannot \(action) network namespace \"\(path)\"", cause: errno)
        default:
            return NamespaceError(.ioFailure, path: path, message: "cannot \(action) network namespace \"\(path)\"", cause: errno)
        }
    }
}
