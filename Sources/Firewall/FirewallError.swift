import NFTables
import SystemPackage

/// A failed firewall operation: a code, a message naming the object (chain, rule, container), and the cause
/// (the nftables error, or what iptables-restore printed).
///
/// Its CNI code is decided in one place (`FirewallError+CNI.swift`): `.invalidConfig` is the only one a user
/// can fix by editing the network config (7), `.busy` is worth retrying (11), the rest are internal (999).
public struct FirewallError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case invalidConfig, nftables, iptables, spawn, busy, checkFailed, multiple }
        private let value: Value

        /// A bad setting (an unknown `ipMasqBackend`, a missing binary for an explicit backend).
        public static let invalidConfig = Code(value: .invalidConfig)
        /// The kernel rejected an nftables operation (`nftError` has the details).
        public static let nftables = Code(value: .nftables)
        /// iptables-save/iptables-restore failed (exit status and output in `cause`).
        public static let iptables = Code(value: .iptables)
        /// A helper program could not be started or waited for.
        public static let spawn = Code(value: .spawn)
        /// The xtables lock or a concurrent change got in the way; retrying may succeed.
        public static let busy = Code(value: .busy)
        /// CHECK found the rules missing or different.
        public static let checkFailed = Code(value: .checkFailed)
        /// Several backends failed (teardown and GC try both); `underlying` has each.
        public static let multiple = Code(value: .multiple)

        public var description: String {
            switch value {
            case .invalidConfig: return "invalid config"
            case .nftables: return "nftables"
            case .iptables: return "iptables"
            case .spawn: return "spawn"
            case .busy: return "busy"
            case .checkFailed: return "check failed"
            case .multiple: return "multiple"
            }
        }
    }

    public var code: Code
    /// What failed, naming the object: "set up masquerade for container ctr1 (network mynet, eth0)".
    public var message: String
    /// The underlying reason, as text.
    public var cause: String?
    public var errno: Errno?
    /// The nftables error this wraps, if any.
    public var nftError: NFTError?
    /// For `.multiple`: each backend's error.
    public var underlying: [FirewallError]

    public init(
        _ code: Code, _ message: String, cause: String? = nil, errno: Errno? = nil, nftError: NFTError? = nil,
        underlying: [FirewallError] = []
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.errno = errno
        self.nftError = nftError
        self.underlying = underlying
    }

    /// Wraps an nftables error with what we were doing.
    init(_ message: String, _ error: NFTError) {
        self.init(.nftables, message, cause: error.description, errno: error.errno, nftError: error)
    }

    public var description: String {
        if code == .multiple { return underlying.map(\.description).joined(separator: "; ") }
        var text = message
        if let cause, !cause.isEmpty { text += ": \(cause)" } else if let errno { text += ": \(errno)" }
        return text
    }
}
