import CNI
import PluginKit

/// The vlan plugin's options, read as the reference's `NetConf` reads them: `master` (required),
/// `vlanId`, `mtu`, `linkInContainer`; `ipam` is required, `dns` goes into the result.
public struct VLANConfig: Sendable, Hashable {
    static let fields = NetworkConfig.fields + ["master", "vlanId", "mtu", "linkInContainer"]

    /// `master`: the link that carries the tagged frames.
    public var master: String
    /// `vlanId`: 0–4094.
    public var vlanID: UInt16
    /// `mtu` as given (0: the master's); checked against the master's MTU at ADD.
    public var mtu: Int
    /// `linkInContainer`: the master is in the container's namespace.
    public var linkInContainer: Bool

    public init(_ config: NetworkConfig) throws {
        let o = config.object(Self.fields)
        master = try o["master"].string() ?? ""
        guard !master.isEmpty else {
            throw PluginError(
                .invalidConfig,
                "\"master\" field is required. It specifies the host interface name to create the VLAN for")
        }
        let id = try o["vlanId"].int(Int32.self) ?? 0
        guard (0...4094).contains(id) else {
            throw PluginError(.invalidConfig, "invalid VLAN ID \(id) (must be between 0 and 4094)")
        }
        vlanID = UInt16(id)
        mtu = try o["mtu"].int(Int32.self).map(Int.init) ?? 0
        linkInContainer = try o["linkInContainer"].bool() ?? false
    }
}
