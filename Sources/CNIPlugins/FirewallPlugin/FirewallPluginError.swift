import CNI
import DBus
import Firewall
import NFTables

/// What went wrong in the firewall plugin, with a message naming the object (chain, zone,
/// container) and the underlying cause. Mapped to CNI codes in one place (`cniError`); a
/// firewall failure keeps the code its own error maps to (`FirewallError+CNI.swift`).
public struct FirewallPluginError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Hashable {
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
    }

    public var kind: Kind
    public var message: String
    public var cause: (any CNIErrorConvertible & Sendable)?

    public init(_ kind: Kind, _ message: String, cause: (any CNIErrorConvertible & Sendable)? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }

    init(_ context: String, _ error: FirewallError) { self.init(.firewall, "\(context): \(error)", cause: error) }
    init(_ context: String, _ error: NFTError) { self.init(.firewall, "\(context): \(error)", cause: error) }
    init(_ context: String, _ error: DBusError) { self.init(.firewalld, "\(context): \(error)") }

    public var description: String { message }
}

extension FirewallPluginError: CNIErrorConvertible {
    /// Config mistakes are 7 and type errors 6; STATUS's "cannot service ADD" is 50; a firewall
    /// failure has its own error's code (the xtables lock is 11); the rest is 999, as the
    /// reference reports every failure.
    public var cniError: CNIError {
        switch kind {
        case .invalidConfig: return CNIError(.invalidNetworkConfig, message)
        case .decoding: return CNIError(.decodingFailure, message)
        case .prevResult(let code): return CNIError(code, message)
        case .unavailable: return CNIError(.pluginNotAvailable, message)
        case .firewall: return CNIError(cause?.cniError.code ?? .internal, message)
        case .firewalld, .checkFailed: return CNIError(.internal, message)
        }
    }
}
