import DomainErrors
import NFTables
import SystemPackage

/// A failed firewall operation: a code, a message naming the object (chain, rule, container), and what
/// caused it (the nftables error, or what iptables-restore printed).
///
/// Its kind (and so its CNI code) is decided here: `.invalidConfig` is the only one a user can fix by
/// editing the network config (7), `.busy` is worth retrying (11), the rest are internal (999), the code
/// the reference reports every firewall failure with.
public struct FirewallError: DomainError, Sendable {
    public enum Code: Hashable, Sendable {
        /// A bad setting (an unknown `ipMasqBackend`, a missing binary for an explicit backend).
        case invalidConfig
        /// The kernel rejected an nftables operation (`nftError` has the details).
        case nftables
        /// iptables-save/iptables-restore failed (exit status and output in `detail`).
        case iptables
        /// A helper program could not be started or waited for.
        case spawn
        /// The xtables lock or a concurrent change got in the way; retrying may succeed.
        case busy
        /// CHECK found the rules missing or different.
        case checkFailed
        /// Several backends failed (teardown and GC try both); `underlying` has each.
        case multiple
    }

    public var code: Code
    /// What failed, naming the object: "set up masquerade for container ctr1 (network mynet, eth0)".
    public var message: String
    /// The underlying reason as text: what a program printed, or what CHECK found missing.
    public var detail: String?
    public var errno: Errno?
    /// The nftables error this wraps, if any.
    public var nftError: NFTError?
    /// For `.multiple`: each backend's error.
    public var underlying: [FirewallError]

    public init(
        _ code: Code, _ message: String, detail: String? = nil, errno: Errno? = nil, nftError: NFTError? = nil,
        underlying: [FirewallError] = []
    ) {
        self.code = code
        self.message = message
        self.detail = detail
        self.errno = errno
        self.nftError = nftError
        self.underlying = underlying
    }

    /// Wraps an nftables error with what we were doing.
    init(_ message: String, _ error: NFTError) {
        self.init(.nftables, message, detail: error.description, errno: error.errno, nftError: error)
    }

    /// The nftables error, or the errno of a failed system call.
    public var cause: (any Error)? { nftError ?? errno }

    /// Several backends failing at once (teardown, GC) is internal whatever each said.
    public var kind: ErrorKind {
        switch code {
        case .invalidConfig: return .invalidConfig
        case .busy: return .tryAgain
        case .checkFailed: return .checkFailed
        case .nftables, .iptables, .spawn, .multiple: return .internal
        }
    }

    public var description: String {
        if code == .multiple { return underlying.map(\.description).joined(separator: "; ") }
        var text = message
        if let detail, !detail.isEmpty { text += ": \(detail)" } else if let errno { text += ": \(errno)" }
        return text
    }
}
