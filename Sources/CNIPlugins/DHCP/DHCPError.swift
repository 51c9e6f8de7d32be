import CNI

/// Everything the dhcp plugin and daemon can fail with; the kind decides the CNI code.
public struct DHCPError: Error, Equatable, Sendable, CustomStringConvertible, CNIErrorConvertible {
    public enum Kind: Equatable, Sendable {
        /// The network config is wrong (a bad option name, a value over 255 bytes): code 7.
        case invalidConfig
        /// A `CNI_ARGS` value cannot be sent: code 4.
        case invalidArgs
        /// The daemon is not there (no socket, or nobody listening): code 11, try again later.
        case daemonUnavailable
        /// STATUS: ADD cannot work now (the daemon is not reachable): code 50.
        case unavailable
        /// Anything else (the server refused, the interface is gone, …): 999.
        case failed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public var cniError: CNIError {
        switch kind {
        case .invalidConfig: return CNIError(.invalidNetworkConfig, message)
        case .invalidArgs: return CNIError(.invalidEnvironmentVariables, message)
        case .daemonUnavailable: return CNIError(.tryAgainLater, message)
        case .unavailable: return CNIError(.pluginNotAvailable, message)
        case .failed: return CNIError(.internal, message)
        }
    }
}
