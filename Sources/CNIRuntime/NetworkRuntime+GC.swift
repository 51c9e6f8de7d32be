import CNI

extension NetworkRuntime {
    /// GC (libcni's `GCNetworkList`): first a full DEL of every cached attachment of this network
    /// that is not in `validAttachments` (replayed with the netns, `CNI_ARGS` and capability args
    /// it was added with), then, for lists ≥ 1.1.0, GC to every plugin in order.
    ///
    /// `validAttachments` nil means "none is valid" (upstream `cnitool gc`): every cached
    /// attachment is deleted and the plugins get no `cni.dev/valid-attachments` key. Given a list,
    /// plugins get it under both `cni.dev/valid-attachments` and the legacy `cni.dev/attachments`,
    /// as libcni sends it. `disableGC` makes GC a no-op. Every failure is collected; the error
    /// holds one line per failure. Returns the stale attachments that were deleted.
    @discardableResult
    public func gc(_ network: NetworkConfigList, validAttachments: [ValidAttachment]?) throws(RuntimeError) -> [NetworkAttachment] {
        if network.disableGC { return [] }
        // libcni returns success without doing anything when it cannot list its cache, even when
        // the cache directory merely does not exist yet; then its plugins never see a GC. Here a
        // missing directory is an empty cache, and an unreadable one an error.
        guard let cached = cache.attachments() else {
            throw RuntimeError("failed to read cached attachments in \(cache.resultsDirectory)")
        }
        var deleted: [NetworkAttachment] = []
        let valid = Set(validAttachments ?? [])
        var errors: [RuntimeError] = []
        for (_, entry) in cached where entry.networkName == network.name {
            let stale = entry.attachment
            if valid.contains(stale.validAttachment) { continue }
            do {
                try delete(network, stale)
                deleted.append(stale)
            } catch {
                errors.append(error.wrapped("failed to delete stale attachment \(stale.containerID) \(stale.ifName)"))
            }
        }
        if try Self.isAtLeast(network.cniVersion, .v1_1_0) {
            var extra = JSONObject()
            if let validAttachments {
                let list = JSONValue.array(validAttachments.map(\.json))
                extra[ValidAttachment.key] = list
                extra[ValidAttachment.legacyKey] = list
            }
            for plugin in network.plugins {
                do {
                    let path = try find(plugin.type)
                    _ = try exec(path, .network(.gc, plugin: plugin, network: network, extra: extra, pluginPaths: pluginPaths))
                } catch {
                    errors.append(error.wrapped("failed to GC plugin \(plugin.type)"))
                }
            }
        }
        if let error = RuntimeError.joined(errors) { throw error }
        return deleted
    }

    /// STATUS (libcni's `GetStatusNetworkList`): every plugin in order, the first error returned
    /// as the plugin reported it (so its code, 50 or 51, survives). Lists before 1.1.0 have no
    /// STATUS and always succeed.
    public func status(_ network: NetworkConfigList) throws(RuntimeError) {
        guard try Self.isAtLeast(network.cniVersion, .v1_1_0) else { return }
        for plugin in network.plugins {
            let path = try find(plugin.type)
            _ = try exec(path, .network(.status, plugin: plugin, network: network, pluginPaths: pluginPaths))
        }
    }

    /// The versions a plugin speaks (VERSION). A plugin that does not know the VERSION command
    /// (`unknown CNI_COMMAND: VERSION`) speaks only 0.1.0, as libcni assumes.
    public func versionInfo(pluginType: String) throws(RuntimeError) -> PluginVersionInfo {
        let path = try find(pluginType)
        let stdout: [UInt8]
        do {
            stdout = try invoker.invoke(
                path: path, stdin: PluginRequest.version(pluginPaths: pluginPaths).stdin,
                environment: PluginRequest.version(pluginPaths: pluginPaths).environment)
        } catch {
            if error.msg == "unknown CNI_COMMAND: VERSION" {
                return PluginVersionInfo(cniVersion: "0.1.0", supportedVersions: ["0.1.0"])
            }
            throw RuntimeError.plugin(error)
        }
        do {
            return try PluginVersionInfo(bytes: stdout)
        } catch {
            throw RuntimeError.plugin(error)
        }
    }

    /// The list with its `cniVersion` negotiated, for lists that offer several (`cniVersions`,
    /// spec 1.1.0): the highest offered version that this runtime implements *and every plugin of
    /// the list supports*, asking each plugin type once with VERSION. libcni only drops versions
    /// newer than itself and then lets a plugin that does not speak the pick fail; a list offering
    /// `["1.0.0", "1.1.0"]` thus works with plugins that stop at 1.0.0 (Debian's).
    ///
    /// Lists without `cniVersions` are returned unchanged and no plugin is run. When a plugin
    /// cannot be asked (not found, broken), the list keeps libcni's pick, so the verb itself
    /// reports the problem in its usual words.
    public func negotiateVersion(_ network: NetworkConfigList) throws(RuntimeError) -> NetworkConfigList {
        guard let offered = Self.offeredVersions(network) else { return network }
        var supportedByAll = Set(offered)
        var answers: [String: [String]] = [:]
        for type in network.plugins.map(\.type) where answers[type] == nil {
            guard let info = try? versionInfo(pluginType: type) else { return network }
            answers[type] = info.supportedVersions
            supportedByAll.formIntersection(info.supportedVersions)
        }
        guard let best = offered.first(where: supportedByAll.contains) else {
            let plugins = answers.keys.sorted().map { "\($0) supports [\(answers[$0]!.joined(separator: " "))]" }
            throw RuntimeError(
                "network \(goQuote(network.name)) offers versions [\(offered.joined(separator: " "))] but no version is supported by all of its plugins: \(plugins.joined(separator: "; "))")
        }
        var negotiated = network
        negotiated.cniVersion = best
        return negotiated
    }

    /// `cniVersion` ∪ `cniVersions` of a list, newest first, without versions newer than this
    /// runtime implements; nil when the list has no `cniVersions`.
    static func offeredVersions(_ network: NetworkConfigList) -> [String]? {
        guard let raw = network.raw["cniVersions"]?.arrayValue else { return nil }
        var candidates: [(CNIVersion, String)] = []
        for text in raw.compactMap(\.stringValue) + [network.raw["cniVersion"]?.stringValue ?? ""] where !text.isEmpty {
            guard let v = try? CNIVersion(parsing: text), v <= .current, !candidates.contains(where: { $0.1 == text }) else {
                continue
            }
            candidates.append((v, text))
        }
        return candidates.sorted { $0.0 > $1.0 }.map(\.1)
    }
}
