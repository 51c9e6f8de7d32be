/// Everything a plugin verb gets: the request's environment variables, its stdin, and the
/// config decoded from it. Built and validated by ``PluginMain`` before the verb runs.
public struct PluginContext: Sendable {
    /// The verb being run.
    public var command: CNICommand
    /// `CNI_CONTAINERID` (validated for ADD/CHECK/DEL; may be empty for GC/STATUS).
    public var containerID: String
    /// `CNI_NETNS`: the container's network namespace path (empty on a DEL without one).
    public var netns: String
    /// `CNI_IFNAME` (validated for ADD/CHECK/DEL).
    public var ifName: String
    /// `CNI_ARGS`.
    public var args: CNIArgs
    /// `CNI_PATH` directories.
    public var path: [String]
    /// The raw stdin (delegates get it unchanged).
    public var stdin: [UInt8]
    /// The decoded config.
    public var config: NetworkConfig
    /// Runs delegated plugins (a fake in tests).
    public var invoker: any PluginInvoker
    /// The request's `CNI_*` variables as received (only those set). Delegates get them on top of
    /// the invoker's environment, so a plugin run in-process passes its injected request on.
    public var variables: [String: String]

    public init(
        command: CNICommand, containerID: String, netns: String, ifName: String, args: CNIArgs, path: [String],
        stdin: [UInt8], config: NetworkConfig, invoker: any PluginInvoker, variables: [String: String] = [:]
    ) {
        self.command = command
        self.containerID = containerID
        self.netns = netns
        self.ifName = ifName
        self.args = args
        self.path = path
        self.stdin = stdin
        self.config = config
        self.invoker = invoker
        self.variables = variables
    }

    /// The config's version string (what the result must be printed in).
    public var cniVersion: String { config.cniVersion }

    /// The IPAM plugin of this config (`ipam.type`).
    public var ipam: IPAM { IPAM(self) }

    /// A delegate of another type, with this request's stdin, path and invoker.
    public func delegate(type: String) -> PluginDelegate {
        PluginDelegate(
            type: type, config: stdin, cniVersion: config.cniVersion, locator: PluginLocator(paths: path),
            invoker: invoker, environment: variables)
    }
}
