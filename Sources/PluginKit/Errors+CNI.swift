import CNI
import LinuxNet
import Netlink

// Where the lower layers' typed errors get their CNI codes (LinuxNet and Netlink know nothing of CNI).

extension NamespaceError: CNIErrorConvertible {
    /// A `CNI_NETNS` that is missing or is not a network namespace is a bad environment variable
    /// (code 4, the message names the path); anything else that stops us entering it is internal.
    public var cniError: CNIError {
        switch code {
        case .notFound, .notANamespace:
            return CNIError(.invalidEnvironmentVariables, "CNI_NETNS: \(message)", details: cause.map { "\($0)" } ?? "")
        default:
            return CNIError(.internal, description)
        }
    }
}

extension NetlinkError: CNIErrorConvertible {
    public var cniError: CNIError { CNIError(.internal, description) }
}

extension InterfaceError: CNIErrorConvertible {
    public var cniError: CNIError { CNIError(.internal, description) }
}
