/// A veth or interface-configuration step failed. The message names the interface; the cause is
/// the underlying ``Netlink/NetlinkError``, ``SysctlError`` or ``NamespaceError`` when there is one.
public struct InterfaceError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. A struct rather than an enum, so codes can be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The interface to configure or delete does not exist.
        public static let linkNotFound = Code("link not found")
        /// The requested container-side name is taken, or no free random host name was found.
        public static let nameInUse = Code("name in use")
        /// IPv6 duplicate address detection reported an address as already used (DADFAILED).
        public static let duplicateAddress = Code("duplicate address")
        /// IPv6 addresses stayed tentative past the settle timeout while the link was up.
        public static let settleTimeout = Code("settle timeout")
        /// A netlink or sysctl step failed; see ``InterfaceError/cause``.
        public static let systemFailure = Code("system failure")

        public var description: String { name }
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

    public var description: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
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
