import CNI
import Firewall
import NFTables

/// What went wrong in portmap, with a message naming the object (mapping, chain, container) and the
/// underlying cause. Mapped to CNI codes in one place (`cniError`); a firewall failure keeps the
/// code its own error maps to (`FirewallError+CNI.swift`).
public struct PortMapError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Hashable {
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
    }

    public var kind: Kind
    public var message: String
    /// For `.firewall`: the firewall's error, which decides the CNI code.
    public var cause: (any CNIErrorConvertible & Sendable)?

    public init(_ kind: Kind, _ message: String, cause: (any CNIErrorConvertible & Sendable)? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }

    static func config(_ message: String) -> PortMapError { PortMapError(.invalidConfig, message) }

    /// A firewall error with what portmap was doing.
    init(_ context: String, _ error: FirewallError) {
        self.init(.firewall, "\(context): \(error)", cause: error)
    }

    /// An nftables error with what portmap was doing.
    init(_ context: String, _ error: NFTError) {
        self.init(.firewall, "\(context): \(error)", cause: error)
    }

    public var description: String { message }
}

extension PortMapError: CNIErrorConvertible {
    /// Config mistakes are 7 and type errors 6, as the spec defines them; STATUS's "cannot service
    /// ADD" is 50; a firewall failure has its own error's code (a transient xtables lock is 11). The
    /// rest stays 999, the code the reference reports every failure with.
    public var cniError: CNIError {
        switch kind {
        case .invalidConfig: return CNIError(.invalidNetworkConfig, message)
        case .decoding: return CNIError(.decodingFailure, message)
        case .prevResult(let code): return CNIError(code, message)
        case .unavailable: return CNIError(.pluginNotAvailable, message)
        case .firewall: return CNIError(cause?.cniError.code ?? .internal, message)
        case .checkFailed, .system: return CNIError(.internal, message)
        }
    }
}
