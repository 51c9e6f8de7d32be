import CNI
import LinuxNet

/// Opening `CNI_NETNS` the way each verb needs it, through the plugin's ``HostResources``.
///
/// A `CNI_NETNS` that names no network namespace is a bad environment variable (code 4; the
/// message names the path, the details say why), checked here as ``CNI/PluginMain`` checks the
/// other variables; except that for DEL a missing namespace means there is nothing left to clean.
extension HostResources {
    /// ADD and CHECK: the namespace must exist and be a network namespace.
    public func container(_ context: PluginContext) throws -> NetworkStack {
        guard !context.netns.isEmpty else {
            throw CNIError(.invalidEnvironmentVariables, "required env variables [CNI_NETNS] missing")
        }
        do {
            return try namespaceStack(context.netns)
        } catch let error as NamespaceError where error.code == .notFound || error.code == .notANamespace {
            throw Self.netnsError(error)
        }
    }

    /// DEL: nil when there is nothing to clean inside the container: no `CNI_NETNS` given, or the
    /// namespace is already gone (DEL must succeed then, as the spec and the reference require).
    public func containerForDelete(_ context: PluginContext) throws -> NetworkStack? {
        guard !context.netns.isEmpty else { return nil }
        do {
            return try namespaceStack(context.netns)
        } catch let error as NamespaceError where error.code == .notFound {
            return nil
        } catch let error as NamespaceError where error.code == .notANamespace {
            throw Self.netnsError(error)
        }
    }

    /// The code-4 error for a `CNI_NETNS` that is missing or no network namespace.
    static func netnsError(_ error: NamespaceError) -> CNIError {
        CNIError(.invalidEnvironmentVariables, "CNI_NETNS: \(error.message)", details: error.errno.map { "\($0)" } ?? "")
    }
}

/// The process's namespaces (``HostResources/process``), for code written before plugins took
/// their resources; use ``HostResources/container(_:)`` and ``HostResources/containerForDelete(_:)``.
public enum ContainerNamespace {
    /// ADD and CHECK: ``HostResources/container(_:)`` of this machine.
    public static func open(_ context: PluginContext) throws -> NetworkStack {
        try HostResources.process.container(context)
    }

    /// DEL: ``HostResources/containerForDelete(_:)`` of this machine.
    public static func openForDelete(_ context: PluginContext) throws -> NetworkStack? {
        try HostResources.process.containerForDelete(context)
    }
}
