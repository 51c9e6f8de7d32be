import CNI
import DomainErrors

/// Everything static can fail with. Messages are the reference plugin's; the code decides the
/// kind, and so the CNI error code (the reference reports every failure as 999).
public typealias StaticError = CodedError<StaticErrorCode>

/// The reasons of ``StaticError``.
public enum StaticErrorCode: ErrorCode, Equatable {
    /// The network configuration is wrong (code 7).
    case invalidConfig
    /// `CNI_ARGS` is malformed or carries a bad value (code 4).
    case invalidArgs
    /// CHECK found the attachment differs from the config (999, as the reference).
    case mismatch

    public var kind: ErrorKind? {
        switch self {
        case .invalidConfig: return .invalidConfig
        case .invalidArgs: return .invalidEnvironment
        case .mismatch: return .checkFailed
        }
    }
}
