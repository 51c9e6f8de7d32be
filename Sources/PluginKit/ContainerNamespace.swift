import CNI
import LinuxNet

/// Opening `CNI_NETNS` the way each verb needs it.
///
/// A `CNI_NETNS` that names no network namespace is a bad environment variable (code 4; the
/// message names the path, the details say why), checked here as ``CNI/PluginMain`` checks the
/// other variables; except that for DEL a missing namespace means there is nothing left to clean.
public enum ContainerNamespace {
    /// ADD and CHECK: the namespace must exist and be a network namespace.
    public static func open(_ context: PluginContext) throws -> NetworkStack {
        guard !context.netns.isEmpty else {
            throw CNIError(.invalidEnvironmentVariables, "required env variables [CNI_NETNS] missing")
        }
        do {
            return try NetworkStack(namespace: NetworkNamespace.open(path: context.netns))
        } catch let error as NamespaceError where error.code == .notFound || error.code == .notANamespace {
            throw netnsError(error)
        }
    }

    /// DEL: nil when there is nothing to clean inside the container: no `CNI_NETNS` given, or the
    /// namespace is already gone (DEL must succeed then, as the spec and the reference require).
    public static func openForDelete(_ context: PluginContext) throws -> NetworkStack? {
        guard !context.netns.isEmpty else { return nil }
        do {
            return try NetworkStack(namespace: NetworkNamespace.open(path: context.netns))
        } catch let error as NamespaceError where error.code == .notFound {
            return nil
        } catch let error as NamespaceError where error.code == .notANamespace {
            throw netnsError(error)
        }
    }

    /// The code-4 error for a `CNI_NETNS` that is missing or no network namespace.
    static func netnsError(_ error: NamespaceError) -> CNIError {
        CNIError(.invalidEnvironmentVariables, "CNI_NETNS: \(error.message)", details: error.errno.map { "\($0)" } ?? "")
    }
}
