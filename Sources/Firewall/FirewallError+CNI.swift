import CNI
import NFTables

// The one place where firewall errors get their CNI codes, for every plugin that installs rules
// (bridge, ptp, portmap). PluginKit must not do it: loopback links PluginKit and must not load
// libnftnl at every exec.

extension FirewallError: CNIErrorConvertible {
    /// A bad backend name (or a missing program for a named backend) is the config's fault (7); the
    /// xtables lock or a concurrent change is worth a retry (11); anything else is internal (999),
    /// the code the reference reports every firewall failure with. Several backends failing at once
    /// (teardown, GC) is 999 whatever each said.
    public var cniError: CNIError {
        switch code {
        case .invalidConfig: return CNIError(.invalidNetworkConfig, description)
        case .busy: return CNIError(.tryAgainLater, description)
        default: return CNIError(.internal, description)
        }
    }
}

extension NFTError: CNIErrorConvertible {
    /// The kernel refused, or the socket failed: nothing the config or a retry can be expected to fix.
    public var cniError: CNIError { CNIError(.internal, description) }
}
