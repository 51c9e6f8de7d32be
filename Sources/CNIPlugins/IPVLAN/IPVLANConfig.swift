import CNI
import Netlink
import PluginKit

/// The ipvlan plugin's options, read as the reference's `NetConf` reads them: `master`, `mode`,
/// `mtu`, `linkInContainer`; `ipam` is optional when the plugin is chained after one whose
/// `prevResult` carries the addresses.
public struct IPVLANConfig: Sendable, Hashable {
    static let fields = NetworkConfig.fields + ["master", "mode", "mtu", "linkInContainer"]

    /// `master`; nil: the single interface of `prevResult` when chained, else the default route's.
    public var master: String?
    /// `mode`: l2 (default), l3 or l3s.
    public var mode: IPVLANMode
    /// `mtu`; nil for the kernel's choice (absent or 0).
    public var mtu: UInt32?
    /// `linkInContainer`: the master is in the container's namespace.
    public var linkInContainer: Bool

    public init(_ config: NetworkConfig) throws {
        let o = config.object(Self.fields)
        master = try o["master"].string().flatMap { $0.isEmpty ? nil : $0 }
        let modeText = try o["mode"].string() ?? ""
        switch modeText {
        case "", "l2": mode = .l2
        case "l3": mode = .l3
        case "l3s": mode = .l3s
        default: throw PluginError(.invalidConfig, "unknown ipvlan mode: \"\(modeText)\"")
        }
        let value = o["mtu"]
        let mtu = try value.int(Int32.self) ?? 0
        guard mtu >= 0 else { throw value.valueError("invalid MTU \(mtu), must be 0 or more") }
        self.mtu = mtu == 0 ? nil : UInt32(mtu)
        linkInContainer = try o["linkInContainer"].bool() ?? false
    }

    /// The master of a chained ipvlan: the one named interface of `prevResult`.
    static func chainedMaster(_ previous: CNIResult) throws(PluginError) -> String {
        guard previous.interfaces.count == 1, !previous.interfaces[0].name.isEmpty else {
            throw PluginError(.invalidConfig, "chained master failure. PrevResult lacks a single named interface")
        }
        return previous.interfaces[0].name
    }
}
