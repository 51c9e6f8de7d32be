import CNI
import LinuxNet

/// Opening `CNI_NETNS` the way each verb needs it.
public enum ContainerNamespace {
    /// ADD and CHECK: the namespace must exist and be a network namespace.
    public static func open(_ context: PluginContext) throws -> NetworkStack {
        guard !context.netns.isEmpty else {
            throw CNIError(.invalidEnvironmentVariables, "required env variables [CNI_NETNS] missing")
        }
        return try NetworkStack(namespace: NetworkNamespace.open(path: context.netns))
    }

    /// DEL: nil when there is nothing to clean inside the container: no `CNI_NETNS` given, or the
    /// namespace is already gone (DEL must succeed then, as the spec and the reference require).
    public static func openForDelete(_ context: PluginContext) throws -> NetworkStack? {
        guard !context.netns.isEmpty else { return nil }
        do {
            return try NetworkStack(namespace: NetworkNamespace.open(path: context.netns))
        } catch let error as NamespaceError where error.code == .notFound {
            return nil
        }
    }
}
