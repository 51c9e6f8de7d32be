import CNI

// The one place host-local's errors get their CNI codes.
extension HostLocalError: CNIErrorConvertible {
    /// Config problems are 7 and I/O failures 5, as the spec defines them; STATUS's "cannot
    /// service ADD" is 50. Allocation failures and a missing lease on CHECK stay 999, the code
    /// the reference reports them with, which runtimes and scripts already expect.
    public var cniError: CNIError {
        switch kind {
        case .invalidConfig: return CNIError(.invalidNetworkConfig, message)
        case .invalidArgs: return CNIError(.invalidEnvironmentVariables, message)
        case .io: return CNIError(.ioFailure, message)
        case .unavailable: return CNIError(.pluginNotAvailable, message)
        case .allocation, .notFound: return CNIError(.internal, message)
        }
    }
}
