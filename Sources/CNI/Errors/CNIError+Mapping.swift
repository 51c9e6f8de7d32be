import SystemPackage

/// A typed error that knows its CNI form. Other modules' error types adopt this (for example a
/// namespace error mapping "not found" to ``CNIError/Code/invalidNetNS``), so the code a runtime
/// sees is decided next to the error's definition and printed only by ``PluginMain``.
public protocol CNIErrorConvertible: Error {
    /// The error as the runtime should see it.
    var cniError: CNIError { get }
}

// The one place where errors that do not carry a CNI code get one.
extension CNIError {
    /// The CNI form of any error:
    /// - a `CNIError` is kept as is (a delegate's error passes through with its code, as skel
    ///   does not wrap `*types.Error`);
    /// - a ``CNIErrorConvertible`` error supplies its own;
    /// - malformed JSON (``JSONParseError``) is ``Code/decodingFailure`` (a config that does not
    ///   fit its type is a ``GoReadError``, which knows its code);
    /// - anything else, `Errno` included, is ``Code/internal`` (999) with the error's description,
    ///   as skel reports any plain Go error.
    public init(_ error: any Error) {
        switch error {
        case let e as CNIError:
            self = e
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
