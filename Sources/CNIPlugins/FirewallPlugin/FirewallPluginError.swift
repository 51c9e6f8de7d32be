import CNI
import DBus
import DomainErrors
import Firewall
import NFTables

/// What went wrong in the firewall plugin, with a message naming the object (chain, zone,
/// container) and the underlying cause. Its kind is decided here; a firewall failure keeps the
/// kind of its own error.
public typealias FirewallPluginError = CodedError<FirewallPluginErrorCode>

/// The reasons of ``FirewallPluginError``.
public enum FirewallPluginErrorCode: ErrorCode, Hashable {
    /// A config value that cannot work (unknown backend or policy, bad chain name, no prevResult).
    case invalidConfig
    /// A value of the wrong JSON type.
    case decoding
    /// `prevResult` does not decode as a result of the config's version; its own code (6, or 1
    /// for a result of another version).
    case prevResult(CNIError.Code)
    /// iptables or nftables refused or failed; `cause` has the firewall's error.
    case firewall
    /// firewalld (or the bus) refused or failed.
    case firewalld
    /// CHECK found rules missing or different.
    case checkFailed
    /// STATUS: the backend ADD would use cannot be used here.
    case unavailable

    /// Config mistakes are 7 and type errors 6; STATUS's "cannot service ADD" is 50; a firewall
    /// failure has its own error's kind (the xtables lock is 11); the rest is 999, as the
    /// reference reports every failure.
    public var kind: ErrorKind? {
        switch self {
        case .invalidConfig: return .invalidConfig
        case .decoding: return .decoding
        case .prevResult(let code): return ErrorKind(cniCode: code)
        case .firewall: return nil
        case .firewalld: return .internal
        case .checkFailed: return .checkFailed
        case .unavailable: return .unavailable
        }
    }
}

extension FirewallPluginError {
    init(_ context: String, _ error: FirewallError) { self.init(.firewall, context, cause: error) }
    init(_ context: String, _ error: NFTError) { self.init(.firewall, context, cause: error) }
    init(_ context: String, _ error: DBusError) { self.init(.firewalld, context, cause: error) }
}
