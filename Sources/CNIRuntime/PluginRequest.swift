import CNI

/// What one plugin run receives: its stdin config and the `CNI_*` variables set on top of the
/// runtime's own environment.
public struct PluginRequest: Sendable, Hashable {
    public var stdin: [UInt8]
    public var environment: [String: String]

    /// ADD, DEL or CHECK of `plugin` for `attachment` (libcni's `buildOneConfig` + `args`).
    ///
    /// The plugin object gets the list's `name` and `cniVersion`, `prevResult` when there is one,
    /// and `runtimeConfig` holding the capability args the plugin declares in `capabilities`
    /// (replacing any static `runtimeConfig`, and only when at least one matches). The text is
    /// libcni's byte for byte: Go re-marshals the object through a map, so keys come out sorted,
    /// and `prevResult` keeps its result-struct order unless a `runtimeConfig` was injected,
    /// which sends the whole object through a map once more.
    public static func attachment(
        _ command: CNICommand, plugin: NetworkConfig, network: NetworkConfigList, prevResult: CNIResult?,
        attachment: NetworkAttachment, pluginPaths: [String]
    ) throws(RuntimeError) -> PluginRequest {
        var object = plugin.raw.throughGoInterface
        object["name"] = .string(network.name)
        object["cniVersion"] = .string(network.cniVersion)
        if let prevResult {
            do {
                object["prevResult"] = try prevResult.json(version: prevResult.cniVersion)
            } catch {
                throw RuntimeError(error.description, cause: error)
            }
        }
        object = object.sortedKeys

        var runtimeConfig = JSONObject()
        for (capability, enabled) in plugin.capabilities where enabled {
            if let value = attachment.capabilityArgs?[capability] { runtimeConfig[capability] = value }
        }
        if !runtimeConfig.isEmpty {
            object = object.throughGoInterface
            object["runtimeConfig"] = .object(runtimeConfig.throughGoInterface)
            object = object.sortedKeys
        }
        return PluginRequest(
            stdin: GoJSON.marshal(.object(object)),
            environment: environment(command, attachment: attachment, pluginPaths: pluginPaths))
    }

    /// GC or STATUS of `plugin`: the plugin object with the list's `name` and `cniVersion` and
    /// `extra` keys injected; every `CNI_*` variable but `CNI_COMMAND` and `CNI_PATH` empty.
    public static func network(
        _ command: CNICommand, plugin: NetworkConfig, network: NetworkConfigList, extra: JSONObject = [:],
        pluginPaths: [String]
    ) -> PluginRequest {
        var object = plugin.raw.throughGoInterface
        object["name"] = .string(network.name)
        object["cniVersion"] = .string(network.cniVersion)
        for (key, value) in extra { object[key] = value }
        return PluginRequest(
            stdin: GoJSON.marshal(.object(object.sortedKeys)),
            environment: environment(command, attachment: nil, pluginPaths: pluginPaths))
    }

    /// VERSION probe, as libcni's `GetVersionInfo`: `{"cniVersion":"<newest>"}` on stdin and
    /// placeholder values for the variables a strict plugin checks.
    public static func version(pluginPaths: [String]) -> PluginRequest {
        PluginRequest(
            stdin: GoJSON.marshal(["cniVersion": .string(CNIVersion.current.description)]),
            environment: [
                "CNI_COMMAND": "VERSION", "CNI_CONTAINERID": "", "CNI_NETNS": "dummy", "CNI_ARGS": "",
                "CNI_IFNAME": "dummy", "CNI_PATH": "dummy",
            ])
    }

    /// The six variables libcni always sets (empty when not applicable).
    static func environment(_ command: CNICommand, attachment: NetworkAttachment?, pluginPaths: [String]) -> [String: String] {
        [
            "CNI_COMMAND": command.rawValue,
            "CNI_CONTAINERID": attachment?.containerID ?? "",
            "CNI_NETNS": attachment?.netns ?? "",
            "CNI_ARGS": attachment?.argsText ?? "",
            "CNI_IFNAME": attachment?.ifName ?? "",
            "CNI_PATH": pluginPaths.joined(separator: ":"),
        ]
    }
}
