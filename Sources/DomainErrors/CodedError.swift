/// The reasons one module tells its failures apart by: an enum whose cases callers and tests
/// match on, each classified once.
public protocol ErrorCode: Sendable {
    /// The kind of failure this reason is; nil for a reason that only wraps another module's
    /// failure (a plugin's firewall step), which takes that failure's kind (``ErrorKind/init(of:)``).
    var kind: ErrorKind? { get }
}

/// A module's own error in the one shape, over its ``ErrorCode``: the reason, a message naming the
/// object, the lower-level error it explains. A module declares its errors as a typealias of this
/// and an enum of reasons, and nothing else repeats:
///
/// ```swift
/// public typealias BridgeError = CodedError<BridgeErrorCode>
///
/// public enum BridgeErrorCode: ErrorCode, Hashable {
///     case invalidConfig, notABridge, firewall, system
///     public var kind: ErrorKind? {
///         switch self {
///         case .invalidConfig: return .invalidConfig
///         case .notABridge: return .conflict
///         case .firewall: return nil  // the firewall error's own kind
///         case .system: return .internal
///         }
///     }
/// }
/// ```
///
/// Helpers of one module's errors go in an extension of its typealias (`extension BridgeError`).
public struct CodedError<Code: ErrorCode>: DomainError, Sendable {
    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var kind: ErrorKind { code.kind ?? ErrorKind(of: cause) }
}

/// An error with no reasons of its own beyond its kind (PluginKit's `PluginError`).
extension ErrorKind: ErrorCode {
    public var kind: ErrorKind? { self }
}

extension CodedError: Equatable where Code: Equatable {
    /// Same reason and message, and causes that print the same.
    public static func == (a: Self, b: Self) -> Bool {
        a.code == b.code && a.message == b.message && a.cause.map { "\($0)" } == b.cause.map { "\($0)" }
    }
}
