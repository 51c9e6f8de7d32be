import CNI
import NetAddress
import Netlink
import PluginKit

/// The macvlan plugin's options, read as the reference's `NetConf` reads them (Go's rules, see
/// ``GoValue``): `master`, `mode`, `mtu`, `mac`, `linkInContainer`, `bcqueuelen`,
/// `runtimeConfig.mac`, and CNI_ARGS `MAC`.
public struct MacvlanConfig: Sendable, Hashable {
    /// The reference's `NetConf`: `types.NetConf`, then its own fields.
    static let fields = NetworkConfig.fields + ["master", "mode", "mtu", "mac", "linkInContainer", "bcqueuelen", "runtimeConfig"]
    static let runtimeFields: GoFields = ["mac"]

    /// `master`; nil picks the interface of the default route (in the container with `linkInContainer`).
    public var master: String?
    /// `mode`: bridge (default), private, vepa or passthru.
    public var mode: MACVLANMode
    /// `mtu` as given (0: the kernel's choice); checked against the master's MTU at ADD.
    public var mtu: Int
    /// The MAC: `mac`, overridden by CNI_ARGS `MAC`, overridden by `runtimeConfig.mac`.
    public var mac: MACAddress?
    /// `linkInContainer`: the master is in the container's namespace.
    public var linkInContainer: Bool
    /// `bcqueuelen`: the broadcast queue length; nil (absent or 0) for the kernel's.
    public var broadcastQueueLength: UInt32?

    /// Reads the options: code 6 for a value of the wrong JSON type, 7 for an invalid one.
    public init(_ config: NetworkConfig, args: CNIArgs) throws {
        let o = config.object(Self.fields)
        master = try o["master"].string().flatMap { $0.isEmpty ? nil : $0 }
        mode = try Self.mode(o["mode"].string() ?? "")
        mtu = try o["mtu"].int(Int32.self).map(Int.init) ?? 0
        linkInContainer = try o["linkInContainer"].bool() ?? false
        broadcastQueueLength = try o["bcqueuelen"].int(UInt32.self).flatMap { $0 == 0 ? nil : $0 }
        var text = try o["mac"].string() ?? ""
        if let fromArgs = args.mac, !fromArgs.isEmpty { text = fromArgs }
        if let fromRuntime = try o["runtimeConfig"].object(Self.runtimeFields)["mac"].string(), !fromRuntime.isEmpty {
            text = fromRuntime
        }
        mac = try Self.mac(text)
    }

    /// The reference's mode names ("" is bridge).
    static func mode(_ text: String) throws(PluginError) -> MACVLANMode {
        switch text {
        case "", "bridge": return .bridge
        case "private": return .private
        case "vepa": return .vepa
        case "passthru": return .passthru
        default: throw PluginError(.invalidConfig, "unknown macvlan mode: \"\(text)\"")
        }
    }

    /// A requested MAC ("" for none): a unicast Ethernet address.
    static func mac(_ text: String) throws(PluginError) -> MACAddress? {
        guard !text.isEmpty else { return nil }
        guard let mac = MACAddress(text), mac.isUsableUnicast else {
            throw PluginError(.invalidConfig, "invalid args \(text) for MAC addr: not a unicast Ethernet address")
        }
        return mac
    }
}
