import CNI

/// The runtime side of CNI (libcni's `CNIConfig`): runs a network's plugin chain for an
/// attachment, caches the result and replays it, garbage-collects and asks for status.
///
/// ```swift
/// let network = try NetworkConfigLoader(directory: "/etc/cni/net.d").load(name: "mynet").list
/// let runtime = NetworkRuntime(pluginPaths: ["/opt/cni/bin"])
/// let attachment = NetworkAttachment(containerID: "c1", netns: "/var/run/netns/c1")
/// let result = try runtime.add(network, attachment)   // cached for CHECK and DEL
/// try runtime.check(network, attachment)
/// try runtime.delete(network, attachment)
/// ```
///
/// Behaviour follows libcni (main) and the spec: ADD runs plugins in order, each getting the
/// previous one's result; DEL runs them in reverse, each getting the cached ADD result; CHECK runs
/// them in order with the cached result; errors name the plugin and the verb. Where libcni has a
/// known flaw the runtime does better, and says so on the method.
public struct NetworkRuntime: Sendable {
    /// `CNI_PATH`: the directories searched for plugin executables.
    public var pluginPaths: [String]
    /// Where results are cached.
    public var cache: ResultCache
    /// Runs the plugin processes (a fake in tests).
    public var invoker: any PluginInvoker

    public init(
        pluginPaths: [String], cacheDirectory: String = ResultCache.defaultDirectory,
        invoker: any PluginInvoker = ExecPluginInvoker()
    ) {
        self.pluginPaths = pluginPaths
        self.cache = ResultCache(directory: cacheDirectory)
        self.invoker = invoker
    }

    var locator: PluginLocator { PluginLocator(paths: pluginPaths) }

    // MARK: ADD

    /// ADD: every plugin in order, each given the previous plugin's result as `prevResult`;
    /// stops at the first failure (`plugin type="x" failed (add): …`). The final result is cached
    /// only when the whole chain succeeded, and returned in the version the last plugin printed.
    public func add(_ network: NetworkConfigList, _ attachment: NetworkAttachment) throws(RuntimeError) -> CNIResult {
        var result: CNIResult?
        for plugin in network.plugins {
            do {
                result = try addOne(plugin, network, attachment, prevResult: result)
            } catch {
                throw error.wrapped("plugin \(Self.describe(plugin)) failed (add)")
            }
        }
        guard let result else { throw RuntimeError("no plugin configs found") }
        do {
            try cache.write(CachedAttachment(network: network, attachment: attachment, result: result))
        } catch {
            throw error.wrapped("failed to set network \(goQuote(network.name)) cached result")
        }
        return result
    }

    private func addOne(
        _ plugin: NetworkConfig, _ network: NetworkConfigList, _ attachment: NetworkAttachment, prevResult: CNIResult?
    ) throws(RuntimeError) -> CNIResult {
        let path = try find(plugin.type)
        do {
            try CNIValidation.validateContainerID(attachment.containerID)
            try CNIValidation.validateNetworkName(network.name)
            try CNIValidation.validateInterfaceName(attachment.ifName)
        } catch {
            throw RuntimeError.plugin(error)
        }
        let request = try PluginRequest.attachment(
            .add, plugin: plugin, network: network, prevResult: prevResult, attachment: attachment,
            pluginPaths: pluginPaths)
        let stdout = try exec(path, request)
        do {
            return try CNIResult(delegateOutput: stdout, configVersion: network.cniVersion)
        } catch {
            throw RuntimeError.plugin(error)
        }
    }

    // MARK: CHECK

    /// CHECK: every plugin in order with the cached ADD result. Lists older than 0.4.0 cannot
    /// CHECK; `disableCheck` makes it a success without running anything.
    ///
    /// Unlike libcni, an attachment with nothing cached is refused before any plugin runs (the
    /// spec forbids CHECK of an attachment never added; libcni would send it without
    /// `prevResult` and let each plugin fail its own way).
    public func check(_ network: NetworkConfigList, _ attachment: NetworkAttachment) throws(RuntimeError) {
        guard try Self.isAtLeast(network.cniVersion, .v0_4_0) else {
            throw RuntimeError(
                "configuration version \(goQuote(network.cniVersion)) does not support the CHECK command (CHECK needs cniVersion 0.4.0 or later)")
        }
        if network.disableCheck { return }
        let cached: CNIResult?
        do {
            cached = try cache.result(network: network, attachment: attachment)
        } catch {
            throw error.wrapped("failed to get network \(goQuote(network.name)) cached result")
        }
        guard let cached else {
            throw RuntimeError(
                "failed to get network \(goQuote(network.name)) cached result: nothing cached for container \(attachment.containerID) interface \(attachment.ifName) in \(cache.resultsDirectory) (was it added?)")
        }
        for plugin in network.plugins {
            let path = try find(plugin.type)
            let request = try PluginRequest.attachment(
                .check, plugin: plugin, network: network, prevResult: cached, attachment: attachment,
                pluginPaths: pluginPaths)
            _ = try exec(path, request)
        }
    }

    // MARK: DEL

    /// DEL: every plugin in reverse order, each given the cached ADD result (lists ≥ 0.4.0);
    /// stops at the first failure (`plugin type="x" failed (delete): …`) and keeps the cache
    /// entry then, so the DEL can be retried. On success the entry is removed.
    ///
    /// A cache entry that cannot be read is removed and the DEL goes on without `prevResult`
    /// (libcni main), rather than failing forever (libcni 1.1). The entry is removed after a
    /// successful DEL whatever the version (libcni main leaves it behind for lists before 0.4.0).
    public func delete(_ network: NetworkConfigList, _ attachment: NetworkAttachment) throws(RuntimeError) {
        var cached: CNIResult?
        if try Self.isAtLeast(network.cniVersion, .v0_4_0) {
            do {
                cached = try cache.result(network: network, attachment: attachment)
            } catch {
                _ = try? cache.remove(network: network.name, containerID: attachment.containerID, ifName: attachment.ifName)
            }
        }
        for plugin in network.plugins.reversed() {
            do {
                let path = try find(plugin.type)
                let request = try PluginRequest.attachment(
                    .delete, plugin: plugin, network: network, prevResult: cached, attachment: attachment,
                    pluginPaths: pluginPaths)
                _ = try exec(path, request)
            } catch {
                throw error.wrapped("plugin \(Self.describe(plugin)) failed (delete)")
            }
        }
        _ = try? cache.remove(network: network.name, containerID: attachment.containerID, ifName: attachment.ifName)
    }

    // MARK: plumbing

    func find(_ type: String) throws(RuntimeError) -> String {
        do {
            return try locator.find(type)
        } catch {
            throw RuntimeError(error.description, cause: error.cniError)
        }
    }

    func exec(_ path: String, _ request: PluginRequest) throws(RuntimeError) -> [UInt8] {
        do {
            return try invoker.invoke(path: path, stdin: request.stdin, environment: request.environment)
        } catch {
            throw RuntimeError.plugin(error)
        }
    }

    /// `type="bridge"`, plus ` name="x"` when the plugin object has its own `name` (libcni's
    /// `pluginDescription`).
    static func describe(_ plugin: NetworkConfig) -> String {
        var out = "type=\(goQuote(plugin.type))"
        if !plugin.name.isEmpty { out += " name=\(goQuote(plugin.name))" }
        return out
    }

    public static func isAtLeast(_ version: String, _ minimum: CNIVersion) throws(RuntimeError) -> Bool {
        do {
            return try CNIVersion.isAtLeast(version, minimum)
        } catch {
            throw RuntimeError(error.message, cause: error.cniError)
        }
    }
}
