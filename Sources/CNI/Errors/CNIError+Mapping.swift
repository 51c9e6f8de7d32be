import DomainErrors
import SystemPackage

// The one place where errors get their CNI codes.

extension ErrorKind {
    /// The CNI code of each kind of failure: the spec's well-known codes where one fits; 999
    /// (`internal`) for the rest, which is the code the reference plugins report every failure of
    /// their own with, and what runtimes and scripts expect for them.
    public var cniCode: CNIError.Code {
        switch self {
        case .invalidConfig: return .invalidNetworkConfig  // 7
        case .decoding: return .decodingFailure  // 6
        case .incompatibleVersion: return .incompatibleCNIVersion  // 1
        case .invalidEnvironment: return .invalidEnvironmentVariables  // 4
        case .io: return .ioFailure  // 5
        case .tryAgain: return .tryAgainLater  // 11
        case .unavailable: return .pluginNotAvailable  // 50
        case .notFound, .conflict, .checkFailed, .internal: return .internal  // 999
        }
    }
}

extension ErrorKind {
    /// The kind of a CNI error that a domain error wraps (libcni's `prevResult` check, a
    /// delegate's error): the table above read backwards, so the runtime sees the code the CNI
    /// error had; a code no kind stands for alone is ``internal``.
    public init(cniCode code: CNIError.Code) {
        switch code {
        case .invalidNetworkConfig: self = .invalidConfig
        case .decodingFailure: self = .decoding
        case .incompatibleCNIVersion: self = .incompatibleVersion
        case .invalidEnvironmentVariables: self = .invalidEnvironment
        case .ioFailure: self = .io
        case .tryAgainLater: self = .tryAgain
        case .pluginNotAvailable: self = .unavailable
        default: self = .internal
        }
    }
}

extension DomainError {
    /// The error as the runtime sees it: its kind's code, and its description as the message.
    public var cniError: CNIError { CNIError(kind.cniCode, description) }
}

/// An error that chooses its own CNI form. Domain errors adopt ``DomainError`` instead, whose
/// code follows from its kind; this remains so that code written against it keeps building.
public protocol CNIErrorConvertible: Error {
    /// The error as the runtime should see it.
    var cniError: CNIError { get }
}

extension CNIError {
    /// The CNI form of any error:
    /// - a `CNIError` is kept as is (a delegate's error passes through with its code, as skel
    ///   does not wrap `*types.Error`);
    /// - a ``DomainErrors/DomainError`` gets its kind's code (``DomainErrors/ErrorKind/cniCode``)
    ///   and its description;
    /// - malformed JSON (``JSONParseError``) is ``Code/decodingFailure``;
    /// - anything else, lower-level errors (`Errno`, a netlink or nftables error) included, is
    ///   ``Code/internal`` (999) with the error's description, as skel reports any plain Go error.
    public init(_ error: any Error) {
        switch error {
        case let e as CNIError:
            self = e
        case let e as any DomainError:
            self = e.cniError
        case let e as any CNIErrorConvertible:
            self = e.cniError
        case let e as JSONParseError:
            self.init(.decodingFailure, "failed to parse JSON: \(e)")
        case let e as Errno:
            self.init(.internal, e.description)
        default:
            self.init(.internal, String(describing: error))
        }
    }
}
