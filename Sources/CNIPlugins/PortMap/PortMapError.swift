import CNI
import DomainErrors
import Firewall
import NFTables

/// What went wrong in portmap, with a message naming the object (mapping, chain, container) and the
/// underlying cause. Its kind is decided here; a firewall failure keeps the kind of its own error.
public typealias PortMapError = CodedError<PortMapErrorCode>

/// The reasons of ``PortMapError``.
public enum PortMapErrorCode: ErrorCode, Hashable {
    /// A config or runtimeConfig value that cannot work (bad port, unknown protocol or backend).
    case invalidConfig
    /// A value of the wrong JSON type.
    case decoding
    /// `prevResult` does not decode as a result of the config's version; its own code (6, or 1
    /// for a result of another version).
    case prevResult(CNIError.Code)
    /// The firewall refused or failed (nftables, iptables-restore, a helper program); `cause`
    /// has the firewall's error.
    case firewall
    /// CHECK found rules missing or different.
    case checkFailed
    /// STATUS: the selected backend cannot be used here.
    case unavailable
    /// Anything else the kernel refused (route lookup, sysctl).
    case system

    /// Config mistakes are 7 and type errors 6, as the spec defines them; STATUS's "cannot service
    /// ADD" is 50; a firewall failure has its own error's kind (a transient xtables lock is 11). The
    /// rest stays 999, the code the reference reports every failure with.
    public var kind: ErrorKind? {
        switch self {
        case .invalidConfig: return .invalidConfig
        case .decoding: return .decoding
        case .prevResult(let code): return ErrorKind(cniCode: code)
        case .unavailable: return .unavailable
        case .firewall: return nil
        case .checkFailed: return .checkFailed
        case .system: return .internal
        }
    }
}

extension PortMapError {
    static func config(_ message: String) -> PortMapError { PortMapError(.invalidConfig, message) }

    /// A firewall error with what portmap was doing.
    init(_ context: String, _ error: FirewallError) {
        self.init(.firewall, context, cause: error)
    }

    /// An nftables error with what portmap was doing.
    init(_ context: String, _ error: NFTError) {
        self.init(.firewall, context, cause: error)
    }
}
