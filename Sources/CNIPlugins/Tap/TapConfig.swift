import CNI
import LinuxNet
import NetAddress
import PluginKit

/// The tap plugin's options, read as the reference's `NetConf` reads them: `mac` (overridden by
/// CNI_ARGS `MAC`, then `runtimeConfig.mac`), `mtu`, `selinuxContext`, `multiQueue`, `owner`,
/// `group`, `bridge`.
public struct TapConfig: Sendable, Hashable {
    static let fields = NetworkConfig.fields + [
        "multiQueue", "mtu", "mac", "owner", "group", "selinuxContext", "bridge", "args", "runtimeConfig",
    ]

    public var mac: MACAddress?
    /// nil for the kernel's default (absent or 0).
    public var mtu: UInt32?
    /// `selinuxContext`: the SELinux label the tap is created under.
    public var selinuxContext: String
    public var multiQueue: Bool
    public var owner: UInt32?
    public var group: UInt32?
    /// `bridge`: a bridge in the container's namespace the tap becomes a port of.
    public var bridge: String?

    public init(_ config: NetworkConfig, args: CNIArgs) throws {
        let o = config.object(Self.fields)
        multiQueue = try o["multiQueue"].bool() ?? false
        let mtuValue = o["mtu"]
        let mtu = try mtuValue.int(Int32.self) ?? 0
        guard mtu >= 0 else { throw mtuValue.valueError("invalid MTU \(mtu), must be 0 or more") }
        self.mtu = mtu == 0 ? nil : UInt32(mtu)
        owner = try o["owner"].pointee?.int(UInt32.self)
        group = try o["group"].pointee?.int(UInt32.self)
        selinuxContext = try o["selinuxContext"].string() ?? ""
        bridge = try o["bridge"].string().flatMap { $0.isEmpty ? nil : $0 }
        _ = try o["args"].pointee?.object([])
        var text = try o["mac"].string() ?? ""
        if let fromArgs = args.mac, !fromArgs.isEmpty { text = fromArgs }
        if let fromRuntime = try o["runtimeConfig"].object(["mac"])["mac"].string(), !fromRuntime.isEmpty { text = fromRuntime }
        if text.isEmpty {
            mac = nil
        } else {
            guard let mac = MACAddress(text), mac.isUsableUnicast else {
                throw PluginError(.invalidConfig, "invalid args \(text) for MAC addr: not a unicast Ethernet address")
            }
            self.mac = mac
        }
    }

    /// The device flags the reference ends up with: with both `owner` and `group` (its netlink
    /// path) a tap with virtio-net headers, and protocol information unless multi-queue; otherwise
    /// (its `ip tuntap` path) neither header.
    public var options: TapDevice.Options {
        let viaNetlink = owner != nil && group != nil
        return TapDevice.Options(
            multiQueue: multiQueue, packetInfo: viaNetlink && !multiQueue, vnetHeader: viaNetlink, owner: owner, group: group)
    }
}
