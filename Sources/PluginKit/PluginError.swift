import CNI
import DomainErrors

/// A failure of a plugin step that needs no reasons of its own beyond its kind: what the kit's
/// shared steps throw (CHECK against `prevResult`, an IPAM result that does not fit the
/// interface, a missing `ipam` or `prevResult`), and what a plugin without an error type of its
/// own throws (loopback, ptp, the single-interface and meta plugins). A plugin whose callers or
/// tests tell its failures apart declares a `<Name>Error` with a `Code` instead (see
/// ``DomainErrors/DomainError``).
public typealias PluginError = CodedError<ErrorKind>

extension PluginError {
    /// A config value that cannot work (code 7).
    public static func config(_ message: String) -> PluginError { PluginError(.invalidConfig, message) }

    /// CHECK's "not as configured".
    public static func check(_ message: String) -> PluginError { PluginError(.checkFailed, message) }

    /// A failure of `doing` caused by a lower layer's `error` (`set MTU of eth0: …`), kept whole.
    public static func system(_ doing: String, _ error: any Error) -> PluginError {
        PluginError(.internal, doing, cause: error)
    }

    /// Another module's domain error (a ``CNI/GoReadError``: 6 for a type, 7 for a value) as a
    /// plugin error of the same kind and message.
    public init(_ error: any DomainError) {
        self.init(error.kind, error.message, cause: error.cause)
    }

    /// Runs a config reader: a domain error it throws (a ``CNI/GoReadError``: 6 for a type, 7 for
    /// a value) keeps its kind and message, anything else is an internal failure.
    public static func reading<T>(_ body: () throws -> T) throws(PluginError) -> T {
        do {
            return try body()
        } catch let error as PluginError {
            throw error
        } catch let error as any DomainError {
            throw PluginError(error)
        } catch {
            throw PluginError(.internal, "\(error)")
        }
    }
}
