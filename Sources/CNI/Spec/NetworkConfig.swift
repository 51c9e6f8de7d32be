/// A plugin's configuration as it arrives on stdin: one plugin object of a network list with the
/// runtime's injected keys. The keys the spec defines (libcni's `types.NetConf`) are decoded here,
/// with Go's rules (``GoValue``); a plugin reads its own keys with ``object(_:)``, as the
/// reference plugins unmarshal the same bytes into their own `NetConf` structs.
public struct NetworkConfig: Sendable, Hashable {
    /// libcni's `types.NetConf` (`PluginConf`), which every reference plugin but the IPAM ones
    /// embeds first in its own config struct.
    public static let fields: GoFields = [
        "cniVersion", "name", "type", "capabilities", "ipam", "dns", "prevResult", ValidAttachment.key,
        ValidAttachment.legacyKey,
    ]

    /// The version the request speaks ("" when absent, which means 0.1.0).
    public var cniVersion: String
    /// The network name (validated by ``PluginMain`` before a plugin sees it).
    public var name: String
    /// The plugin type (the executable's name).
    public var type: String
    /// `ipam`: the IPAM section, if any.
    public var ipam: IPAMConfig?
    /// `dns`, when it sets anything: a list that is present counts even when empty, as a non-nil
    /// Go slice does (the reference's `dnsConfSet`); nil when absent, `null` or all empty.
    public var dns: DNS?
    /// `prevResult` as the plugin holds it (a Go `map[string]interface{}`: repeated keys
    /// resolved); nil when absent or `null`. Decoded as a result only when a verb asks for it
    /// (``prevResult``).
    public var rawPrevResult: JSONValue?
    /// `capabilities`: which runtime capabilities the plugin accepts.
    public var capabilities: [String: Bool]
    /// GC's still-valid attachments (`cni.dev/valid-attachments`, or the legacy
    /// `cni.dev/attachments`). nil when the key is absent, which `cnitool gc` uses to mean
    /// "nothing is valid any more"; see ``ValidAttachment``.
    public var validAttachments: [ValidAttachment]?
    /// The whole object, every member in its original order (repeated keys included).
    public var raw: JSONObject

    /// Decodes the spec's keys of `json`. Type errors are code 6, naming the key.
    ///
    /// `lenient` takes a value that does not decode as unset rather than refusing it. It is for
    /// plugins whose Go config struct does not embed `types.NetConf` (the IPAM plugins): they
    /// never read these keys, as the reference's host-local ignores them; and for DEL and GC,
    /// which only the envelope may fail (the teardown rule, ``GoValue/readable(_:)``).
    /// `cniVersion` and `name` are ``PluginMain``'s to check, before this.
    public init(json: JSONValue, lenient: Bool = false) throws(CNIError) {
        let conf: GoObject
        do {
            conf = try GoValue(root: json, subject: "network config").object(Self.fields)
        } catch {
            throw CNIError(error)
        }
        do {
            try self.init(conf)
        } catch {
            guard lenient else { throw CNIError(.decodingFailure, error.message) }
            self.init(tolerating: conf)
        }
    }

    /// Every key read strictly (`prevResult` only as the map it is).
    private init(_ conf: GoObject) throws(GoReadError) {
        raw = conf.json
        cniVersion = try conf["cniVersion"].string() ?? ""
        name = try conf["name"].string() ?? ""
        type = try conf["type"].string() ?? ""
        var capabilities: [String: Bool] = [:]
        try conf["capabilities"].map()?.forEach { key, value throws(GoReadError) in capabilities[key] = try value.bool() ?? false }
        self.capabilities = capabilities
        ipam = try IPAMConfig(conf["ipam"])
        dns = try DNS(setIn: conf["dns"])
        let attachments = conf[ValidAttachment.key].isAbsent ? conf[ValidAttachment.legacyKey] : conf[ValidAttachment.key]
        validAttachments = try attachments.slice()?.map { a throws(GoReadError) in try ValidAttachment(a) }
        rawPrevResult = try conf["prevResult"].map().map { .object($0.object) }
    }

    /// Each key that reads, the others unset (for ``init(json:lenient:)`` with `lenient`).
    private init(tolerating conf: GoObject) {
        func read<T>(_ body: () throws(GoReadError) -> T?) -> T? { (try? body()) ?? nil }
        raw = conf.json
        cniVersion = read { () throws(GoReadError) in try conf["cniVersion"].string() } ?? ""
        name = read { () throws(GoReadError) in try conf["name"].string() } ?? ""
        type = read { () throws(GoReadError) in try conf["type"].string() } ?? ""
        capabilities = [:]
        ipam = read { () throws(GoReadError) in try IPAMConfig(conf["ipam"]) }
        dns = read { () throws(GoReadError) in try DNS(setIn: conf["dns"]) }
        let attachments = conf[ValidAttachment.key].isAbsent ? conf[ValidAttachment.legacyKey] : conf[ValidAttachment.key]
        validAttachments = read { () throws(GoReadError) in try attachments.slice()?.map { a throws(GoReadError) in try ValidAttachment(a) } }
        rawPrevResult = read { () throws(GoReadError) in try conf["prevResult"].map().map { .object($0.object) } }
    }

    /// Parses and decodes a config from stdin bytes.
    public init(bytes: [UInt8], lenient: Bool = false) throws(CNIError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw CNIError(.decodingFailure, "error parsing network config: \(error)")
        }
        try self.init(json: json, lenient: lenient)
    }

    /// `prevResult` decoded as a result of this config's version (libcni's `ParsePrevResult`); nil
    /// when there is none. Decoded when asked for, not with the config, so that only the verbs
    /// that use it (CHECK, a chained ADD) fail on one that is not a result: code 6, or 1 for a
    /// result of another version.
    public var prevResult: CNIResult? {
        get throws(CNIError) {
            guard let previous = rawPrevResult?.objectValue else { return nil }
            return try Self.parsePrevResult(previous, version: cniVersion)
        }
    }

    /// ``prevResult`` when it decodes, else nil: for teardown, where it only narrows the work
    /// (``GoValue/readable(_:)``).
    public var readablePrevResult: CNIResult? { (try? prevResult) ?? nil }

    /// libcni's `ParsePrevResult`: the map marshalled again (keys sorted, numbers as `float64`)
    /// and decoded as a result of the config's version, which a result before 1.0.0 may omit.
    /// libcni supplies the config's version under the key `CNIVersion` (unless a non-empty string
    /// is there); a result's own `cniVersion` sorts after it and, read into the same field, wins.
    static func parsePrevResult(_ previous: JSONObject, version: String) throws(CNIError) -> CNIResult {
        var map = previous
        if map["CNIVersion"] == nil || map["CNIVersion"] == .string("") { map["CNIVersion"] = .string(version) }
        do {
            return try CNIResult(json: .object(map.throughGoInterface), version: version)
        } catch {
            throw CNIError(error.code == .incompatibleCNIVersion ? error.code : .decodingFailure,
                           "could not parse prevResult: \(error.msg)")
        }
    }

    /// The config's version, parsed ("" is 0.1.0).
    public var version: CNIVersion {
        get throws(CNIVersionError) { try CNIVersion(parsing: cniVersion) }
    }

    /// The whole config read as a Go struct with `fields` (the plugin's own `NetConf`, which
    /// usually embeds ``fields``: `NetworkConfig.fields + ["bridge", …]`).
    public func object(_ fields: GoFields) -> GoObject {
        GoObject(raw, fields: fields, subject: "network config")
    }
}

/// The `ipam` section: its `type` plus everything else for the IPAM plugin to read.
public struct IPAMConfig: Sendable, Hashable {
    /// `types.IPAM`.
    static let fields: GoFields = ["type"]

    /// The IPAM plugin to delegate to (an executable in `CNI_PATH`); "" when absent.
    public var type: String
    /// The whole `ipam` section (repeated `ipam` objects concatenated, as Go merges them).
    public var raw: JSONObject

    /// nil when no object was stored (Go's zero `IPAM`, whose type is "").
    init?(_ value: GoValue) throws(GoReadError) {
        let section = try value.object(Self.fields)
        guard !section.isAbsent else { return nil }
        type = try section["type"].string() ?? ""
        raw = section.json
    }
}

/// An attachment GC must keep: `{"containerID": …, "ifname": …}` from `cni.dev/valid-attachments`.
public struct ValidAttachment: Sendable, Hashable {
    /// The key libcni sends the list under.
    public static let key = "cni.dev/valid-attachments"
    /// The key the `spec-v1.1.0` text named; libcni sends both, we read it when the other is absent.
    public static let legacyKey = "cni.dev/attachments"

    public var containerID: String
    public var ifName: String

    public init(containerID: String, ifName: String) {
        self.containerID = containerID
        self.ifName = ifName
    }

    /// libcni's `GCAttachment`.
    static let fields: GoFields = ["containerID", "ifname"]

    init(_ value: GoValue) throws(GoReadError) {
        let o = try value.object(Self.fields)
        containerID = try o["containerID"].string() ?? ""
        ifName = try o["ifname"].string() ?? ""
    }

    public var json: JSONValue { ["containerID": .string(containerID), "ifname": .string(ifName)] }
}
