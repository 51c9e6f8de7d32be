import CNI
import DomainErrors

/// Everything the dhcp plugin and daemon can fail with; the code decides the kind, and so the CNI code.
public typealias DHCPError = CodedError<DHCPErrorCode>

/// The reasons of ``DHCPError``.
public enum DHCPErrorCode: ErrorCode, Equatable {
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

    public var kind: ErrorKind? {
        switch self {
        case .invalidConfig: return .invalidConfig
        case .invalidArgs: return .invalidEnvironment
        case .daemonUnavailable: return .tryAgain
        case .unavailable: return .unavailable
        case .failed: return .internal
        }
    }
}
