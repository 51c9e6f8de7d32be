import CNI

/// One entry of libcni's result cache (`<cache>/results/<network>-<containerID>-<ifname>`): the
/// attachment, the config it was added with and the final ADD result, so DEL and CHECK can hand
/// plugins the result as `prevResult` and GC can DEL attachments the runtime forgot.
///
/// The file is libcni's `cachedInfo` marshalled by Go:
/// `{"kind":"cniCacheV1","containerId","config"(base64),"ifName","networkName","netns"?,
/// "cniArgs"?,"capabilityArgs"?,"result"?}`, optional members left out when empty. The result and
/// the capability args went through a Go map, so their keys are sorted.
public struct CachedAttachment: Sendable, Hashable {
    /// The only kind libcni writes (`CNICacheV1`).
    public static let kindV1 = "cniCacheV1"

    public var kind: String
    public var containerID: String
    /// The network config list, as the bytes of the file it came from.
    public var config: [UInt8]
    public var ifName: String
    public var networkName: String
    /// The netns path (libcni ≥ 1.2 writes it; older caches have none).
    public var netns: String?
    /// `CNI_ARGS` pairs.
    public var cniArgs: [CNIArgs.Pair]?
    public var capabilityArgs: JSONObject?
    /// The final ADD result as the last plugin returned it.
    public var result: JSONObject?

    public init(
        containerID: String, config: [UInt8], ifName: String, networkName: String, netns: String?,
        cniArgs: [CNIArgs.Pair]?, capabilityArgs: JSONObject?, result: JSONObject?, kind: String = CachedAttachment.kindV1
    ) {
        self.kind = kind
        self.containerID = containerID
        self.config = config
        self.ifName = ifName
        self.networkName = networkName
        self.netns = netns
        self.cniArgs = cniArgs
        self.capabilityArgs = capabilityArgs
        self.result = result
    }

    /// The entry for an ADD that just succeeded.
    public init(network: NetworkConfigList, attachment: NetworkAttachment, result: CNIResult) throws(RuntimeError) {
        let json: JSONValue
        do {
            json = try result.json(version: result.cniVersion)
        } catch {
            throw RuntimeError(error.description, cause: error)
        }
        self.init(
            containerID: attachment.containerID, config: network.bytes, ifName: attachment.ifName,
            networkName: network.name, netns: attachment.netns.isEmpty ? nil : attachment.netns,
            cniArgs: attachment.args.isEmpty ? nil : attachment.args, capabilityArgs: attachment.capabilityArgs,
            result: json.objectValue.map(\.throughGoInterface))
    }

    /// The attachment to replay a DEL with (what libcni's GC builds from a cache entry).
    public var attachment: NetworkAttachment {
        NetworkAttachment(
            containerID: containerID, netns: netns ?? "", ifName: ifName, args: cniArgs ?? [],
            capabilityArgs: capabilityArgs)
    }

    /// The cached result decoded in the version it declares.
    public var decodedResult: CNIResult? {
        get throws(CNIError) {
            guard let result else { return nil }
            return try CNIResult(json: .object(result))
        }
    }

    /// The file's bytes, exactly as libcni writes them (compact, no trailing newline).
    public var encoded: [UInt8] {
        var o: JSONObject = [
            "kind": .string(kind), "containerId": .string(containerID), "config": .string(Base64.encode(config)),
            "ifName": .string(ifName), "networkName": .string(networkName),
        ]
        if let netns, !netns.isEmpty { o["netns"] = .string(netns) }
        if let cniArgs, !cniArgs.isEmpty {
            o["cniArgs"] = .array(cniArgs.map { [.string($0.key), .string($0.value)] })
        }
        if let capabilityArgs, !capabilityArgs.isEmpty { o["capabilityArgs"] = .object(capabilityArgs.throughGoInterface) }
        if let result, !result.isEmpty { o["result"] = .object(result.throughGoInterface) }
        return GoJSON.marshal(.object(o))
    }

    /// libcni's `cachedInfo` struct.
    static let fields: GoFields = [
        "kind", "containerId", "config", "ifName", "networkName", "netns", "cniArgs", "capabilityArgs", "result",
    ]

    /// Reads a cache file as Go's `json.Unmarshal` into `cachedInfo` does (``GoValue``: keys
    /// fold, unknown members are ignored, a member of the wrong type is an error). Throws for
    /// anything that is not such an object (the caller then tries the legacy format, a bare result).
    public init(bytes: [UInt8]) throws(RuntimeError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw RuntimeError("\(error)")
        }
        do throws(GoReadError) {
            let o = try GoValue(root: json, subject: "cache entry").object(Self.fields)
            kind = try o["kind"].string() ?? ""
            containerID = try o["containerId"].string() ?? ""
            ifName = try o["ifName"].string() ?? ""
            networkName = try o["networkName"].string() ?? ""
            netns = try o["netns"].string().flatMap { $0.isEmpty ? nil : $0 }
            // A Go []byte is base64 text.
            let config = try o["config"].string() ?? ""
            guard let decoded = Base64.decode(config) else { throw o["config"].valueError("not base64") }
            self.config = decoded
            // [][2]string: a pair's missing strings are "", extra ones are dropped.
            cniArgs = try o["cniArgs"].slice()?.map { pair throws(GoReadError) in
                let kv = try pair.slice() ?? []
                return CNIArgs.Pair(
                    key: try kv.first?.string() ?? "", value: try kv.dropFirst().first?.string() ?? "")
            }
            capabilityArgs = try o["capabilityArgs"].map()?.object
            result = try o["result"].map()?.object
        } catch {
            throw RuntimeError(error.message)
        }
    }
}
