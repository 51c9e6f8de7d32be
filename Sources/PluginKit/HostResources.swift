import LinuxNet

/// What a plugin reaches of the machine besides its stdin and environment (which CNI's
/// `PluginEnvironment` gives it): its own network namespace (the node's) and the containers'
/// namespaces, each as a ``LinuxNet/NetworkStack`` (an rtnetlink socket bound in it and its
/// sysctls). A plugin takes them at construction, ``process`` by default, and opens every
/// namespace through them, so its verbs run in tests against a fake kernel (`CNITestSupport`'s
/// `FakeHost`) as well as against the real one. A plugin that touches the firewall also takes
/// the Firewall module's `FirewallHost` (nftables and conntrack sockets, iptables programs).
///
/// ```swift
/// public struct MacvlanPlugin: CNIPlugin {
///     public var resources: HostResources
///     public init(resources: HostResources = .process) { self.resources = resources }
///
///     public func add(_ context: PluginContext) throws -> CNIResult {
///         let host = try resources.hostStack()
///         let container = try resources.container(context)
///         …
///     }
/// }
/// ```
public struct HostResources: Sendable {
    /// Opens the plugin's own network namespace (the node's), with a socket bound in it.
    public var hostStack: @Sendable () throws -> NetworkStack
    /// Opens the network namespace at a path, with a socket bound in it. Throws LinuxNet's
    /// `NamespaceError` (`.notFound` when nothing is there, `.notANamespace`).
    public var namespaceStack: @Sendable (String) throws -> NetworkStack

    public init(
        hostStack: @escaping @Sendable () throws -> NetworkStack,
        namespaceStack: @escaping @Sendable (String) throws -> NetworkStack
    ) {
        self.hostStack = hostStack
        self.namespaceStack = namespaceStack
    }

    /// This machine: the calling thread's namespace, and namespace files opened by path.
    public static var process: HostResources {
        HostResources(
            hostStack: { try NetworkStack(namespace: NetworkNamespace.current()) },
            namespaceStack: { try NetworkStack(namespace: NetworkNamespace.open(path: $0)) })
    }
}
