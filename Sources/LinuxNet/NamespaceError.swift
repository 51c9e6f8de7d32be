import SystemPackage

/// A network namespace could not be opened, checked or entered.
///
/// The code tells the cases a plugin treats differently apart: DEL succeeds when the namespace is
/// ``Code/notFound`` (the runtime already removed it), while ``Code/notANamespace`` is the CNI
/// "invalid netns" error.
public struct NamespaceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong. A struct rather than an enum, so codes can be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The path does not exist.
        public static let notFound = Code("not found")
        /// The path exists but is not a network namespace (wrong filesystem or namespace type).
        public static let notANamespace = Code("not a network namespace")
        /// Opening or entering it was refused (`EACCES`, `EPERM`).
        public static let permissionDenied = Code("permission denied")
        /// `setns` failed for another reason.
        public static let enterFailed = Code("cannot enter")
        /// The dedicated thread could not be started.
        public static let threadFailed = Code("cannot start thread")
        /// A named namespace of that name already exists.
        public static let alreadyExists = Code("already exists")
        /// The name cannot name a namespace file (empty, `.`, `..`, or with a `/`).
        public static let invalidName = Code("invalid name")
        /// Any other system call failure.
        public static let ioFailure = Code("I/O failure")

        public var description: String { name }
    }

    /// The kind of failure.
    public var code: Code
    /// The namespace path involved.
    public var path: String
    /// A sentence naming the path and what failed.
    public var message: String
    /// The underlying errno, when a system call failed.
    public var cause: Errno?

    public init(_ code: Code, path: String, message: String, cause: Errno? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.cause = cause
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
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
