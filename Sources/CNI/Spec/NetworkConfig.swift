/// A plugin's configuration as it arrives on stdin: one plugin object of a network list with the
/// runtime's injected keys. The common keys are decoded here; the whole object stays in ``raw``
/// for the plugin's own keys (decode a typed struct with ``decode(_:)``).
public struct NetworkConfig: Sendable, Hashable {
    /// The version the request speaks ("" when absent, which means 0.1.0).
    public var cniVersion: String
    /// `cniVersions` (1.1.0): the versions the list offers; the runtime picks one into `cniVersion`.
    public var cniVersions: [String]?
    /// The network name (validated by ``PluginMain`` before a plugin sees it).
    public var name: String
    /// The plugin type (the executable's name).
    public var type: String
    /// `args`: runtime metadata, conventionally namespaced (`{"cni": {"ips": […]}}`).
    public var args: JSONValue?
    /// `ipMasq`: set up IP masquerade on the host for this network.
    public var ipMasq: Bool
    /// `ipam`: the IPAM section, if any.
    public var ipam: IPAMConfig?
    /// `dns`: DNS settings for the result.
    public var dns: DNS?
    /// `runtimeConfig`: the capabilities the runtime filled in (`portMappings`, `ipRanges`, …).
    public var runtimeConfig: JSONObject?
    /// `prevResult` decoded in this config's version (libcni's `ParsePrevResult`).
    public var prevResult: CNIResult?
    /// `prevResult` exactly as received.
    public var rawPrevResult: JSONValue?
    /// `capabilities`: which runtime capabilities the plugin accepts.
    public var capabilities: [String: Bool]
    /// `disableCheck` (list-level; accepted as a boolean or "true"/"false", as libcni does).
    public var disableCheck: Bool
    /// `disableGC` (1.1.0).
    public var disableGC: Bool
    /// `loadOnlyInlinedPlugins` (1.1.0).
    public var loadOnlyInlinedPlugins: Bool
    /// GC's still-valid attachments (`cni.dev/valid-attachments`, or the legacy
    /// `cni.dev/attachments`). nil when the key is absent, which `cnitool gc` uses to mean
    /// "nothing is valid any more"; see ``ValidAttachment``.
    public var validAttachments: [ValidAttachment]?
    /// The whole object, every key in its original order.
    public var raw: JSONObject

    /// Decodes the common keys of `json`. Errors are code 6 and name the offending key.
    public init(json: JSONValue) throws(CNIError) {
        let r = try JSONFieldReader(json, subject: "network config")
        raw = r.object
        cniVersion = try r.string("cniVersion") ?? ""
        cniVersions = try r.strings("cniVersions")
        name = try r.string("name") ?? ""
        type = try r.string("type") ?? ""
        args = r.value("args")
        ipMasq = try r.bool("ipMasq") ?? false
        ipam = try r.nested("ipam").map { i throws(CNIError) in try IPAMConfig(i) }
        dns = try r.nested("dns").map { d throws(CNIError) in try DNS(d) }
        runtimeConfig = try r.object("runtimeConfig")
        capabilities = [:]
        if let caps = try r.nested("capabilities") {
            for key in caps.object.keys { capabilities[key] = try caps.bool(key) ?? false }
        }
        disableCheck = try r.lenientBool("disableCheck")
        disableGC = try r.lenientBool("disableGC")
        loadOnlyInlinedPlugins = try r.lenientBool("loadOnlyInlinedPlugins")
        var attachments = try r.objects(ValidAttachment.key)
        if attachments == nil { attachments = try r.objects(ValidAttachment.legacyKey) }
        if let attachments {
            validAttachments = try attachments.map { a throws(CNIError) in try ValidAttachment(a) }
        }
        rawPrevResult = r.value("prevResult")
        if let raw = rawPrevResult {
            guard case .object(var result) = raw else {
                throw r.error("prevResult", "must be an object, found \(raw.kindDescription)")
            }
            // Results before 1.0.0 may omit their version; libcni assumes the config's.
            if (result["cniVersion"]?.stringValue ?? "").isEmpty { result["cniVersion"] = .string(cniVersion) }
            do {
                prevResult = try CNIResult(json: .object(result), version: cniVersion)
            } catch {
                throw CNIError(error.code == .incompatibleCNIVersion ? error.code : .decodingFailure,
                               "could not parse prevResult: \(error.msg)")
            }
        }
    }

    /// Parses and decodes a config from stdin bytes.
    public init(bytes: [UInt8]) throws(CNIError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw CNIError(.decodingFailure, "error parsing network config: \(error)")
        }
        try self.init(json: json)
    }

    /// The config's version, parsed ("" is 0.1.0).
    public var version: CNIVersion {
        get throws(CNIVersionError) { try CNIVersion(parsing: cniVersion) }
    }

    /// The whole config decoded as the plugin's own type (bridge's `BridgeConfig`, …).
    public func decode<T: Decodable>(_ type: T.Type = T.self, decoder: JSONValueDecoder = JSONValueDecoder()) throws -> T {
        try decoder.decode(type, from: .object(raw))
    }

    /// A member of `runtimeConfig` (`runtimeConfig("portMappings")`).
    public func runtimeConfig(_ key: String) -> JSONValue? { runtimeConfig?[key] }
}

/// The `ipam` section: its `type` plus everything else for the IPAM plugin to read.
public struct IPAMConfig: Sendable, Hashable {
    /// The IPAM plugin to delegate to (an executable in `CNI_PATH`); "" when absent.
    public var type: String
    /// The whole `ipam` object.
    public var raw: JSONObject

    init(_ r: JSONFieldReader) throws(CNIError) {
        type = try r.string("type") ?? ""
        raw = r.object
    }

    /// The section decoded as the IPAM plugin's own type.
    public func decode<T: Decodable>(_ type: T.Type = T.self, decoder: JSONValueDecoder = JSONValueDecoder()) throws -> T {
        try decoder.decode(type, from: .object(raw))
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

    init(_ r: JSONFieldReader) throws(CNIError) {
        containerID = try r.string("containerID") ?? ""
        ifName = try r.string("ifname") ?? ""
    }

    public var json: JSONValue { ["containerID": .string(containerID), "ifname": .string(ifName)] }
}
