import CNI

/// Everything static can fail with. Messages are the reference plugin's; the kind decides the
/// CNI error code (the reference reports every failure as 999).
public struct StaticError: Error, Equatable, Sendable, CustomStringConvertible, CNIErrorConvertible {
    public enum Kind: Equatable, Sendable {
        /// The network configuration is wrong (code 7).
        case invalidConfig
        /// `CNI_ARGS` is malformed or carries a bad value (code 4).
        case invalidArgs
        /// CHECK found the attachment differs from the config (999, as the reference).
        case mismatch
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public var cniError: CNIError {
        switch kind {
        case .invalidConfig: return CNIError(.invalidNetworkConfig, message)
        case .invalidArgs: return CNIError(.invalidEnvironmentVariables, message)
        case .mismatch: return CNIError(.internal, message)
        }
    }
}
