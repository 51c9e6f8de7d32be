import DomainErrors
/// A network configuration list (`.conflist`): a name, a version and the plugin objects to run in
/// order. Parsed with libcni's rules (`NetworkConfFromBytes`) and error texts, so a runtime built
/// on it (cnitool) accepts and rejects exactly what libcni does: the list is a Go
/// `map[string]interface{}` (keys match exactly, the last of a repeated key wins), each plugin
/// object a `types.NetConf` (keys fold, see ``NetworkConfig``). Loading files from a directory,
/// and appending `<dir>/<name>/*.conf` plugins, is the runtime's job.
public struct NetworkConfigList: Sendable, Hashable {
    /// The version every request of this list speaks: `cniVersion`, or with `cniVersions` the
    /// highest listed version this package implements.
    public var cniVersion: String
    public var name: String
    public var disableCheck: Bool
    public var disableGC: Bool
    public var loadOnlyInlinedPlugins: Bool
    /// The plugin objects, in order (without the list's `name`/`cniVersion`; the runtime
    /// injects those into each request).
    public var plugins: [NetworkConfig]
    /// The whole list object.
    public var raw: JSONObject
    /// The bytes it was parsed from (libcni caches these in its result cache).
    public var bytes: [UInt8]

    /// Parses a `.conflist`.
    public init(bytes: [UInt8]) throws(NetworkConfigListError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw .list("\(error)")
        }
        try self.init(json: json, bytes: bytes)
    }

    /// Reads a parsed `.conflist`.
    public init(json: JSONValue, bytes: [UInt8] = []) throws(NetworkConfigListError) {
        // Go unmarshals into a map, so a top-level null is an empty list and anything else fails.
        let object: JSONObject
        switch json {
        case .object(let o): object = o
        case .null: object = JSONObject()
        default: throw .list("json: cannot unmarshal \(Self.goJSONKind(json)) into Go value of type map[string]interface {}")
        }
        raw = object
        self.bytes = bytes.isEmpty ? JSONSerializer.bytes(json) : bytes

        guard let rawName = object["name"] else { throw .list("no name") }
        guard let name = rawName.stringValue else { throw .list("invalid name type \(rawName.goTypeName)") }
        self.name = name

        var version = ""
        if let v = object["cniVersion"] {
            guard let s = v.stringValue else { throw .list("invalid cniVersion type \(v.goTypeName)") }
            version = s
        }
        if let rawVersions = object["cniVersions"] {
            version = try Self.pickVersion(rawVersions, cniVersion: version)
        }
        cniVersion = version

        func flag(_ key: String) throws(NetworkConfigListError) -> Bool {
            guard let v = object[key] else { return false }
            if let b = v.boolValue { return b }
            guard let s = v.stringValue else { throw .list("invalid type \(v.goTypeName) for \(key)") }
            switch s.lowercased() {
            case "true": return true
            case "false": return false
            default: throw .list("invalid value \"\(s.lowercased())\" for \(key)")
            }
        }
        disableCheck = try flag("disableCheck")
        disableGC = try flag("disableGC")
        loadOnlyInlinedPlugins = try flag("loadOnlyInlinedPlugins")

        plugins = []
        guard let rawPlugins = object["plugins"] else {
            if loadOnlyInlinedPlugins { throw .list("`loadOnlyInlinedPlugins` is true, and no 'plugins' key") }
            return
        }
        guard let elements = rawPlugins.arrayValue else { throw .list("invalid 'plugins' type \(rawPlugins.goTypeName)") }
        guard !elements.isEmpty else { throw .list("no plugins in list") }
        for (i, element) in elements.enumerated() {
            plugins.append(try Self.plugin(element, index: i))
        }
    }

    /// A single-plugin config (`.conf`) as a one-plugin list, as libcni's `ConfListFromConf` does.
    public init(single config: NetworkConfig) throws(NetworkConfigListError) {
        let list: JSONValue = [
            "cniVersion": .string(config.cniVersion), "name": .string(config.name),
            "plugins": [.object(config.raw)],
        ]
        try self.init(json: list)
    }

    /// Reads one plugin object as libcni does: the element of the list's `[]interface{}` is
    /// marshalled again (keys sorted, repeats resolved, numbers as `float64`) and decoded by
    /// `NetworkPluginConfFromBytes`, which needs it to decode and to have a `type`.
    static func plugin(_ json: JSONValue, index: Int) throws(NetworkConfigListError) -> NetworkConfig {
        let config: NetworkConfig
        do {
            config = try NetworkConfig(json: json.throughGoInterface)
        } catch {
            throw NetworkConfigListError("failed to parse plugin config \(index): error parsing configuration: \(error.msg)")
        }
        guard !config.type.isEmpty else {
            throw NetworkConfigListError("failed to parse plugin config \(index): error parsing configuration: missing 'type'")
        }
        return config
    }

    /// `cniVersions` resolution (libcni ≥ 1.2): drop versions newer than this package
    /// implements, add `cniVersion`, and take the highest.
    static func pickVersion(_ raw: JSONValue, cniVersion: String) throws(NetworkConfigListError) -> String {
        guard let entries = raw.arrayValue else { throw .list("invalid type for cniVersions: \(raw.goTypeName)") }
        var candidates: [(CNIVersion, String)] = []
        for (i, entry) in entries.enumerated() {
            guard let s = entry.stringValue else {
                throw .list("invalid type for cniVersions index \(i): \(entry.goTypeName)")
            }
            do {
                let v = try CNIVersion(parsing: s)
                if v <= .current { candidates.append((v, s)) }
            } catch {
                throw .list("invalid cniVersions entry \(s) at index \(i): \(error)")
            }
        }
        if !cniVersion.isEmpty {
            do {
                let v = try CNIVersion(parsing: cniVersion)
                if v <= .current { candidates.append((v, cniVersion)) }
            } catch {
                throw .list("invalid cniVersion \(cniVersion): \(error)")
            }
        }
        return candidates.max { $0.0 < $1.0 }?.1 ?? cniVersion
    }

    /// How Go's json names a JSON type in "cannot unmarshal X into …".
    static func goJSONKind(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// A `.conflist` that libcni would refuse, with libcni's message.
public struct NetworkConfigListError: DomainError, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
    /// An invalid network config (code 7).
    public var kind: ErrorKind { .invalidConfig }

    static func list(_ detail: String) -> NetworkConfigListError {
        NetworkConfigListError("error parsing configuration list: \(detail)")
    }
}
