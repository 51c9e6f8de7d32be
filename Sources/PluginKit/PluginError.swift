import CNI

/// What went wrong in a plugin's own logic, with a message naming the object (interface, table,
/// file) and, where there is one, the underlying error's text. The CNI code is decided here and nowhere
/// else; the meta plugins (tuning, bandwidth, sbr, vrf) throw it.
public struct PluginError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Hashable {
        /// A config value that cannot work (a bad MAC, a sysctl outside `net`, conflicting options).
        case invalidConfig
        /// A value of the wrong JSON type.
        case decoding
        /// CHECK found the attachment not as ADD left it.
        case checkFailed
        /// STATUS: an ADD could not succeed now.
        case unavailable
        /// The kernel or the file system refused; `cause` says how.
        case system
    }

    public var kind: Kind
    /// What failed, with the lower layer's error (netlink, sysctl, file) at the end.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Code 7 for a config value that cannot work.
    public static func config(_ message: String) -> PluginError { PluginError(.invalidConfig, message) }

    /// CHECK's "not as configured".
    public static func check(_ message: String) -> PluginError { PluginError(.checkFailed, message) }

    /// A failure of `doing`, caused by `error` (`set MTU of eth0: …`).
    public static func system(_ doing: String, _ error: any Error) -> PluginError {
        PluginError(.system, "\(doing): \(error)")
    }

    /// A config reader's error, keeping its kind (6 for a type, 7 for a value).
    public init(_ error: GoReadError) {
        self.init(error.kind == .type ? .decoding : .invalidConfig, error.message)
    }

    public var description: String { message }

    /// Runs a config reader: its ``GoReadError``s become plugin errors of the same kind, its
    /// plugin errors pass, anything else is a system failure.
    public static func reading<T>(_ body: () throws -> T) throws(PluginError) -> T {
        do {
            return try body()
        } catch let error as PluginError {
            throw error
        } catch let error as GoReadError {
            throw PluginError(error)
        } catch {
            throw PluginError(.system, "\(error)")
        }
    }
}

extension PluginError: CNIErrorConvertible {
    /// 7 for a config that cannot work, 6 for a wrong JSON type, 50 for STATUS's "not now"; what
    /// the system refused and a failed CHECK are 999, as the reference reports them.
    public var cniError: CNIError {
        switch kind {
        case .invalidConfig: return CNIError(.invalidNetworkConfig, message)
        case .decoding: return CNIError(.decodingFailure, message)
        case .unavailable: return CNIError(.pluginNotAvailable, message)
        case .checkFailed, .system: return CNIError(.internal, message)
        }
    }
}
