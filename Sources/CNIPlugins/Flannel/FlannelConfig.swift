import CNI

/// The flannel plugin's network config, read with Go's rules (``GoValue``) into the shape of
/// flannel-io/cni-plugin's `NetConf`: `types.NetConf`, whose `ipam` is replaced by a free-form
/// map, plus `subnetFile`, `dataDir`, `delegate` and `runtimeConfig`.
public struct FlannelConfig: Sendable {
    /// `NetConf`: the spec's keys, then flannel's own (its `ipam` map shadows the spec's).
    static let fields = NetworkConfig.fields + ["ipam", "subnetFile", "dataDir", "delegate", "runtimeConfig"]

    /// Where flanneld writes the node's lease.
    public static let defaultSubnetFile = "/run/flannel/subnet.env"
    /// Where the delegate config of each container is kept for DEL.
    public static let defaultDataDir = "/var/lib/cni/flannel"

    public var name: String
    public var cniVersion: String
    /// `subnetFile` (a key given as "" means "", as in Go: the default is set before decoding).
    public var subnetFile: String
    /// `dataDir` (same rule).
    public var dataDir: String
    /// `ipam`: the delegate's IPAM section to complete (nil when absent or `null`).
    public var ipam: JSONObject?
    /// `delegate`: the delegate's config to complete (nil when absent or `null`).
    public var delegate: JSONObject?
    /// `runtimeConfig`, passed on to the delegate.
    public var runtimeConfig: JSONObject?

    public init(_ config: NetworkConfig) throws {
        let o = config.object(Self.fields)
        name = config.name
        cniVersion = config.cniVersion
        subnetFile = try o["subnetFile"].string() ?? Self.defaultSubnetFile
        dataDir = try o["dataDir"].string() ?? Self.defaultDataDir
        // `map[string]interface{}`s: what Go holds after decoding (repeats resolved, numbers as
        // float64), so that the delegate config is the bytes the reference would send.
        ipam = try o["ipam"].map()?.object.throughGoInterface
        delegate = try o["delegate"].map()?.object.throughGoInterface
        runtimeConfig = try o["runtimeConfig"].map()?.object.throughGoInterface
    }

    /// Where DEL finds the stored delegate config, read without failing (the teardown rule,
    /// ``GoValue/readable(_:)``): `dataDir`, the default when it does not read.
    public static func dataDir(teardown config: NetworkConfig) -> String {
        config.object(fields)["dataDir"].readable { v throws(GoReadError) in try v.string() } ?? defaultDataDir
    }
}
