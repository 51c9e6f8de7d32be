/// What kind of failure an error is, whichever domain raised it: the one classification the CNI
/// layer turns into a code (the table is `CNIError+Mapping.swift`, in the `CNI` module), and
/// what callers test when they only need to know "not found" or "worth a retry".
///
/// Several kinds share a CNI code (the spec has few); they stay apart because callers act on them
/// differently (DEL treats ``notFound`` as done).
public enum ErrorKind: Sendable, Hashable {
    /// The network configuration, or a value in it, is wrong: the user fixes the config.
    case invalidConfig
    /// A document (the config, a result, a delegate's output) is not of the type it must be.
    case decoding
    /// A document is of a `cniVersion` that cannot be read as the config's (a `prevResult` of
    /// another version).
    case incompatibleVersion
    /// A `CNI_*` environment variable (or `CNI_ARGS`) is missing or invalid.
    case invalidEnvironment
    /// A file operation failed.
    case io
    /// A transient condition (a lock, a concurrent change): retrying may succeed.
    case tryAgain
    /// The plugin cannot serve an ADD now (STATUS).
    case unavailable
    /// The object named does not exist.
    case notFound
    /// The object exists already, or is taken or of another sort (a name in use, an address in
    /// conflict, a link that is not a bridge, an address pool used up).
    case conflict
    /// CHECK found the attachment other than ADD left it.
    case checkFailed
    /// Anything else: the kernel refused, a helper program failed, an invariant broke.
    case `internal`
}

extension ErrorKind {
    /// The kind of `error` when it is a domain error (a wrapper whose failure is its cause's, such
    /// as a plugin's firewall failure, takes its cause's kind); ``internal`` for anything else.
    public init(of error: (any Error)?) {
        self = (error as? any DomainError)?.kind ?? .internal
    }
}
