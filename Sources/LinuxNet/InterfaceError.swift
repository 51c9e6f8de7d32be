import DomainErrors

/// A veth or interface-configuration step failed. The message names the interface; the cause is
/// the underlying ``Netlink/NetlinkError``, ``SysctlError`` or ``NamespaceError`` when there is one.
public struct InterfaceError: DomainError {
    public enum Code: Hashable, Sendable {
        /// The interface to configure or delete does not exist.
        case linkNotFound
        /// The requested container-side name is taken, or no free random host name was found.
        case nameInUse
        /// IPv6 duplicate address detection reported an address as already used (DADFAILED).
        case duplicateAddress
        /// IPv6 addresses stayed tentative past the settle timeout while the link was up.
        case settleTimeout
        /// A netlink or sysctl step failed; see ``InterfaceError/cause``.
        case systemFailure
    }

    /// The kind of failure.
    public var code: Code
    /// The interface involved.
    public var interface: String
    /// A sentence naming the interface and what failed.
    public var message: String
    /// The underlying error.
    public var cause: (any Error)?

    public init(_ code: Code, interface: String, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.interface = interface
        self.message = message
        self.cause = cause
    }

    public var kind: ErrorKind {
        switch code {
        case .linkNotFound: return .notFound
        case .nameInUse, .duplicateAddress: return .conflict
        case .settleTimeout, .systemFailure: return .internal
        }
    }

    /// Runs `body`, wrapping any failure as a ``Code/systemFailure`` with `message`.
    static func wrapping<T>(_ interface: String, _ message: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as InterfaceError {
            throw error
        } catch {
            throw InterfaceError(.systemFailure, interface: interface, message: message(), cause: error)
        }
    }
}
