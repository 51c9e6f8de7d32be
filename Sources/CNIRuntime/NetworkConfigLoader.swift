import CNI

/// A network configuration found on disk: the list libcni would build from it and the file it
/// came from.
public struct LoadedNetwork: Sendable, Hashable {
    /// The list (single-plugin `.conf` files are up-converted to a one-plugin list).
    public var list: NetworkConfigList
    /// The file the list was read from.
    public var file: String

    public init(list: NetworkConfigList, file: String) {
        self.list = list
        self.file = file
    }
}

/// Finds a network by name in a config directory (`NETCONFPATH`) with libcni's rules
/// (`LoadNetworkConf`):
///
/// 1. every `*.conflist`, in bytewise order of file name, is parsed (a broken one stops the
///    search, whichever network it holds), and unless it sets `loadOnlyInlinedPlugins`, the plugin
///    objects in `<dir>/<name>/*.conf` are appended to it; the first whose `name` matches wins;
/// 2. otherwise the single-plugin `*.conf` and `*.json` files, in the same order, become a
///    one-plugin list (`{"cniVersion", "name", "plugins": [conf]}`, as libcni's `ConfListFromConf`).
///
/// Messages are libcni's, prefixed with the file at fault, which libcni leaves out.
public struct NetworkConfigLoader: Sendable {
    /// The directory searched.
    public var directory: String

    /// The default, as cnitool's `NETCONFPATH`.
    public static let defaultDirectory = "/etc/cni/net.d"

    public init(directory: String = NetworkConfigLoader.defaultDirectory) {
        self.directory = directory
    }

    /// The network called `name`.
    public func load(name: String) throws(RuntimeError) -> LoadedNetwork {
        let lists = try files(extensions: [".conflist"])
        for file in lists {
            let loaded = try loadList(file)
            if loaded.list.name == name { return loaded }
        }
        let singles = try files(extensions: [".conf", ".json"])
        guard !singles.isEmpty else {
            throw lists.isEmpty
                ? RuntimeError("no net configurations found in \(directory)")
                : RuntimeError("no net configuration with name \(goQuote(name)) in \(directory)")
        }
        for file in singles {
            let config = try loadSingle(file)
            if config.name == name { return try upConvert(config, file: file) }
        }
        throw RuntimeError("no net configuration with name \(goQuote(name)) in \(directory)")
    }

    /// Parses one `.conflist` (with its `<dir>/<name>/*.conf` plugins unless
    /// `loadOnlyInlinedPlugins`).
    public func loadList(_ file: String) throws(RuntimeError) -> LoadedNetwork {
        let bytes = try read(file)
        var list: NetworkConfigList
        do {
            list = try NetworkConfigList(bytes: bytes)
        } catch {
            throw RuntimeError("\(file): \(error.message)")
        }
        if !list.loadOnlyInlinedPlugins {
            list.plugins += try pluginFragments(network: list.name)
        }
        guard !list.plugins.isEmpty else { throw RuntimeError("\(file): no plugin configs found") }
        return LoadedNetwork(list: list, file: file)
    }

    /// The plugin objects in `<dir>/<network>/*.conf`, in file-name order. A name that is not a
    /// valid network name is never used as a path (the request would be refused anyway).
    func pluginFragments(network: String) throws(RuntimeError) -> [NetworkConfig] {
        guard CNIValidation.isValidName(network), !network.contains("..") else { return [] }
        let dir = directory + "/" + network
        let entries: [(name: String, isDirectory: Bool)]?
        do {
            entries = try FileSystem.listDirectory(dir)
        } catch {
            throw RuntimeError("failed to read plugin config files in \(dir): \(error)")
        }
        var plugins: [NetworkConfig] = []
        for entry in entries ?? [] where !entry.isDirectory && Self.ext(entry.name) == ".conf" {
            let file = dir + "/" + entry.name
            plugins.append(try pluginObject(read(file), file: file))
        }
        return plugins
    }

    /// One single-plugin config file, which must decode and have a `type`.
    func loadSingle(_ file: String) throws(RuntimeError) -> NetworkConfig {
        try pluginObject(read(file), file: file)
    }

    private func pluginObject(_ bytes: [UInt8], file: String) throws(RuntimeError) -> NetworkConfig {
        let config: NetworkConfig
        do {
            config = try NetworkConfig(bytes: bytes)
        } catch {
            throw RuntimeError("\(file): error parsing configuration: \(error.msg)")
        }
        guard !config.type.isEmpty else { throw RuntimeError("\(file): error parsing configuration: missing 'type'") }
        return config
    }

    /// libcni's `ConfListFromConf`: the list's bytes are Go's marshalling of
    /// `{"cniVersion", "name", "plugins": [conf]}`, which is what its cache stores as `config`.
    func upConvert(_ config: NetworkConfig, file: String) throws(RuntimeError) -> LoadedNetwork {
        let list: JSONValue = JSONValue.object([
            "cniVersion": .string(config.cniVersion), "name": .string(config.name),
            "plugins": [.object(config.raw)],
        ]).throughGoInterface
        do {
            return LoadedNetwork(list: try NetworkConfigList(bytes: GoJSON.marshal(list)), file: file)
        } catch {
            throw RuntimeError("\(file): \(error.message)")
        }
    }

    /// Regular files (not directories) in the directory with one of `extensions`, sorted.
    func files(extensions: [String]) throws(RuntimeError) -> [String] {
        let entries: [(name: String, isDirectory: Bool)]?
        do {
            entries = try FileSystem.listDirectory(directory)
        } catch {
            throw RuntimeError("\(error)")
        }
        return (entries ?? []).filter { !$0.isDirectory && extensions.contains(Self.ext($0.name)) }
            .map { directory + "/" + $0.name }
    }

    private func read(_ file: String) throws(RuntimeError) -> [UInt8] {
        let bytes: [UInt8]?
        do {
            bytes = try FileSystem.readFile(file)
        } catch {
            throw RuntimeError("error reading \(file): \(error)")
        }
        guard let bytes else { throw RuntimeError("error reading \(file): open \(file): no such file or directory") }
        return bytes
    }

    /// Go's `filepath.Ext`: from the last `.` of the base name, or "".
    static func ext(_ name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return "" }
        return String(name[dot...])
    }
}
