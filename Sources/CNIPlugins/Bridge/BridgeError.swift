import CNI

/// A failure of the bridge plugin: what went wrong, naming the object (bridge, port, VLAN,
/// address), with the underlying error when there is one. The CNI code is decided here, in one
/// place: configuration mistakes are 7 (the user fixes the network config), everything else is
/// 999 as in the reference. (A value of the wrong JSON type is the config reader's `GoReadError`,
/// code 6; the masquerade's `FirewallError` carries its own code: 7, 11 or 999.)
public struct BridgeError: Error, CustomStringConvertible, CNIErrorConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The network config (or the MAC request) is invalid.
        public static let invalidConfig = Code("invalid config")
        /// A link named like the bridge exists and is not a bridge.
        public static let notABridge = Code("not a bridge")
        /// The bridge already carries a conflicting gateway address (and `forceAddress` is off).
        public static let addressConflict = Code("address conflict")
        /// The host veth did not come up in time.
        public static let portDown = Code("port down")
        /// IPAM answered without addresses.
        public static let noAddresses = Code("no addresses")
        /// CHECK found the attachment not as ADD left it.
        public static let checkFailed = Code("check failed")
        /// A spoof-check (nftables) operation failed.
        public static let firewall = Code("firewall")
        /// A kernel operation failed; see the cause.
        public static let system = Code("system")

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message): \(CNIError(cause).msg)"
    }

    public var cniError: CNIError {
        switch code {
        case .invalidConfig: return CNIError(.invalidNetworkConfig, description)
        default: return CNIError(.internal, description)
        }
    }

    static func config(_ message: String) -> BridgeError { BridgeError(.invalidConfig, message) }

    /// Runs `body`, turning a failure into `code` with `message` and the failure as its cause.
    /// Errors that already carry a CNI code of their own (a delegate's, ours) pass unchanged.
    /// (No caller wraps firewall work: `FirewallError` goes to the runtime with its own code.)
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
