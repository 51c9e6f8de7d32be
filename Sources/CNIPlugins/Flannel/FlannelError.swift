import CNI

/// Everything the flannel plugin can fail with; the kind decides the CNI code (the reference
/// reports all of them as 999).
public struct FlannelError: Error, Equatable, Sendable, CustomStringConvertible, CNIErrorConvertible {
    public enum Kind: Equatable, Sendable {
        /// The network config is wrong (`delegate` with a `name`, a bad `ipam.routes`): code 7.
        case invalidConfig
        /// The subnet file is not there yet (flanneld has not written it): code 11, try again.
        case subnetFileMissing
        /// The subnet file is there but incomplete or unreadable: 999.
        case subnetFile
        /// STATUS: flanneld's subnet file is not usable, so ADD cannot succeed now: code 50.
        case unavailable
        /// Storing, reading or removing the delegate config under `dataDir`: code 5.
        case io
        /// CHECK: no delegate config was stored for the container: 999.
        case unknownAttachment
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
        case .subnetFileMissing: return CNIError(.tryAgainLater, message)
        case .unavailable: return CNIError(.pluginNotAvailable, message)
        case .io: return CNIError(.ioFailure, message)
        case .subnetFile, .unknownAttachment: return CNIError(.internal, message)
        }
    }
}
