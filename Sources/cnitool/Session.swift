import CNI
import CNIRuntime

/// What every network command needs, read from the options and the environment the way upstream
/// cnitool reads them (config first, then CAP_ARGS, CNI_ARGS, the interface name and the netns).
struct Session {
    var global: GlobalOptions

    var runtime: NetworkRuntime {
        NetworkRuntime(
            pluginPaths: PluginLocator.split(environment("CNI_PATH") ?? ""), cacheDirectory: global.cacheDir)
    }

    var configDirectory: String {
        let dir = environment("NETCONFPATH") ?? ""
        return dir.isEmpty ? NetworkConfigLoader.defaultDirectory : dir
    }

    var ifName: String {
        if let name = global.ifname, !name.isEmpty { return name }
        let fromEnv = environment("CNI_IFNAME") ?? ""
        return fromEnv.isEmpty ? "eth0" : fromEnv
    }

    /// The network, its version negotiated with its plugins when it offers several.
    func network(_ name: String) throws(RuntimeError) -> NetworkConfigList {
        let loaded = try NetworkConfigLoader(directory: configDirectory).load(name: name)
        return try runtime.negotiateVersion(loaded.list)
    }

    /// The attachment for a netns argument.
    func attachment(netns argument: String) throws(RuntimeError) -> NetworkAttachment {
        let capabilityArgs = try CNIToolConventions.parseCapabilityArgs(environment("CAP_ARGS") ?? "")
        let args = try CNIToolConventions.parseCNIArgs(environment("CNI_ARGS") ?? "")
        let netns = CNIToolConventions.netnsPath(argument)
        return NetworkAttachment(
            containerID: CNIToolConventions.containerID(netnsPath: netns), netns: netns, ifName: ifName, args: args,
            capabilityArgs: capabilityArgs)
    }

    /// Runs `body`, turning a runtime failure into cnitool's one-line error and exit status 1.
    func run(_ body: () throws(RuntimeError) -> Void) throws {
        do {
            try body()
        } catch {
            throw Output.fail(error, json: global.json)
        }
    }
}

extension NetworkAttachment {
    /// The attachment as `--json` output describes it.
    func json(network: String) -> JSONObject {
        [
            "network": .string(network), "containerID": .string(containerID), "ifName": .string(ifName),
            "netns": .string(netns),
        ]
    }
}
