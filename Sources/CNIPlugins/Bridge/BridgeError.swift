import CNI
import DomainErrors

/// A failure of the bridge plugin: what went wrong, naming the object (bridge, port, VLAN,
/// address), with the underlying error when there is one. Its kind, and so its CNI code, is
/// decided here: configuration mistakes are 7 (the user fixes the network config), everything
/// else is 999 as in the reference. (A value of the wrong JSON type is the config reader's
/// `GoReadError`, code 6; the masquerade's `FirewallError` carries its own kind: 7, 11 or 999.)
public typealias BridgeError = CodedError<BridgeErrorCode>

/// The reasons of ``BridgeError``.
public enum BridgeErrorCode: ErrorCode, Hashable {
    /// The network config (or the MAC request) is invalid.
    case invalidConfig
    /// A link named like the bridge exists and is not a bridge.
    case notABridge
    /// The bridge already carries a conflicting gateway address (and `forceAddress` is off).
    case addressConflict
    /// The host veth did not come up in time.
    case portDown
    /// IPAM answered without addresses.
    case noAddresses
    /// CHECK found the attachment not as ADD left it.
    case checkFailed
    /// A spoof-check (nftables) operation failed.
    case firewall
    /// A kernel operation failed; see the cause.
    case system

    public var kind: ErrorKind? {
        switch self {
        case .invalidConfig: return .invalidConfig
        case .notABridge, .addressConflict: return .conflict
        case .checkFailed: return .checkFailed
        case .portDown, .noAddresses, .firewall, .system: return .internal
        }
    }
}

extension BridgeError {
    static func config(_ message: String) -> BridgeError { BridgeError(.invalidConfig, message) }

    /// Runs `body`, turning a failure into `code` with `message` and the failure as its cause.
    /// Errors that already carry a CNI code of their own (a delegate's, ours) pass unchanged.
    /// (No caller wraps firewall work: `FirewallError` goes to the runtime with its own kind.)
    static func wrapping<T>(_ code: Code = .system, _ message: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as BridgeError {
            throw error
        } catch let error as CNIError {
            throw error
        } catch {
            throw BridgeError(code, message(), cause: error)
        }
    }
}
