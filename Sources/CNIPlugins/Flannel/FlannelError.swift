import CNI
import DomainErrors

/// Everything the flannel plugin can fail with; the code decides the kind, and so the CNI code (the reference
/// reports all of them as 999).
public typealias FlannelError = CodedError<FlannelErrorCode>

/// The reasons of ``FlannelError``.
public enum FlannelErrorCode: ErrorCode, Equatable {
    /// The network config is wrong (`delegate` with a `name`, a bad `ipam.routes`): code 7.
    case invalidConfig
    /// The subnet file is not there yet (flanneld has not written it): code 11, try again.
    case subnetFileMissing
    /// The subnet file is there but incomplete or unreadable: 999.
    case subnetFile
    /// STATUS: flanneld's subnet file is not usable, so ADD cannot succeed now: code 50.
    case unavailable
    /// Storing, reading or removing the delegate config under `dataDir`: code 5.
    case io
    /// CHECK: no delegate config was stored for the container: 999.
    case unknownAttachment

    public var kind: ErrorKind? {
        switch self {
        case .invalidConfig: return .invalidConfig
        case .subnetFileMissing: return .tryAgain
        case .subnetFile: return .internal
        case .unavailable: return .unavailable
        case .io: return .io
        case .unknownAttachment: return .notFound
        }
    }
}
