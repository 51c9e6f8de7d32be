import DomainErrors

/// A failure of a plugin step that needs no reasons of its own beyond its kind: what the kit's
/// shared steps throw (CHECK against `prevResult`, an IPAM result that does not fit the
/// interface, a missing `ipam` or `prevResult`), and what a plugin without an error type of its
/// own throws (loopback, ptp). A plugin whose callers or tests tell its failures apart declares
/// a `<Name>Error` with a `Code` instead (see ``DomainErrors/DomainError``).
public struct PluginError: DomainError {
    public var kind: ErrorKind
    public var message: String
    public var cause: (any Error)?

    public init(_ kind: ErrorKind, _ message: String, cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }
}
