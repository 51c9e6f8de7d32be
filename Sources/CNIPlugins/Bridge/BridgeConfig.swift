import CNI
import Firewall
import NetAddress
import PluginKit

/// The bridge plugin's network config: the reference's options, defaults and checks
/// (containernetworking/plugins `plugins/main/bridge`, HEAD), read from a request with Go's rules
/// (``GoValue``), as the reference's `NetConf` reads them. The keys shared with ptp (`mtu`,
/// `ipMasq`, `ipMasqBackend`, `enabledad`, `dns`, `ipam`) are PluginKit's ``VethPluginConfig``.
///
/// Deliberate differences, each accepting more than the reference or failing earlier:
/// - booleans may also be the strings "true"/"false" (``GoValue/bool()``);
/// - `vlan` and `vlanTrunk` may be combined (HEAD ≥ 1.8.0): `vlan` is the trunk's native VLAN
///   (see ``PortVLANPlan``);
/// - the bridge name, `mtu`, `ipMasqBackend` and the requested MAC are checked here (code 7),
///   before anything is created, instead of failing in the kernel half-way through ADD.
public struct BridgeConfig: Sendable, Hashable {
    /// The reference's `NetConf`: `types.NetConf`, then its own fields.
    static let fields = VethPluginConfig.fields + [
        "bridge", "isGateway", "isDefaultGateway", "forceAddress", "hairpinMode", "promiscMode", "vlan", "vlanTrunk",
        "preserveDefaultVlan", "macspoofchk", "disableContainerInterface", "portIsolation", "args", "runtimeConfig",
    ]
    /// `args` and its `cni`, `runtimeConfig` (each a struct with the one key bridge reads).
    static let argsFields: GoFields = ["cni"]
    static let macFields: GoFields = ["mac"]

    /// The keys shared with ptp.
    public var veth: VethPluginConfig
    /// `bridge`: the bridge to create or reuse (default `cni0`).
    public var bridge: String
    /// `isGateway` (also set by `isDefaultGateway`): gateway addresses on the bridge, forwarding on.
    public var isGateway: Bool
    /// `isDefaultGateway`: a default route via the gateway unless IPAM returned one.
    public var isDefaultGateway: Bool
    /// `forceAddress`: replace a conflicting bridge address instead of failing.
    public var forceAddress: Bool
    /// `hairpinMode`: frames may leave through the port they came in on.
    public var hairpinMode: Bool
    /// `promiscMode`: the bridge in promiscuous mode.
    public var promiscMode: Bool
    /// `vlan`: access VLAN (PVID, untagged) of the host port; 0 for none.
    public var vlan: UInt16
    /// `vlanTrunk`: tagged VLANs of the host port, sorted, without duplicates.
    public var vlanTrunk: [UInt16]
    /// `preserveDefaultVlan` (default false since the reference's v1.8.0): keep the port's
    /// existing VLANs (normally the default VLAN 1) when it gets `vlan` or `vlanTrunk`.
    public var preserveDefaultVlan: Bool
    /// `macspoofchk`: drop frames from the port whose source MAC is not the container's.
    public var macSpoofCheck: Bool
    /// `disableContainerInterface`: leave the container end down (L2 only).
    public var disableContainerInterface: Bool
    /// `portIsolation`: the host port is isolated (talks only to non-isolated ports).
    public var portIsolation: Bool
    /// The container MAC: `runtimeConfig.mac`, else `args.cni.mac`, else CNI_ARGS `MAC`.
    public var mac: MACAddress?

    /// `name`.
    public var network: String { veth.network }
    /// `ipMasq`: masquerade container traffic leaving its subnet.
    public var ipMasq: Bool { veth.ipMasq }
    /// `ipMasqBackend`: "iptables" or "nftables"; nil follows the node: iptables where the
    /// reference's iptables chains already are, nftables otherwise (Firewall's
    /// `FirewallBackendKind.nodeDefault`).
    public var ipMasqBackend: String? { veth.ipMasqBackend }
    /// `mtu`: for a new bridge and both veth ends; nil keeps the kernel default.
    public var mtu: UInt32? { veth.mtu }
    /// `enabledad`: IPv6 duplicate address detection on the container interface.
    public var enableDAD: Bool { veth.enableDAD }
    /// `ipam.type`; empty for an L2-only network.
    public var ipamType: String { veth.ipamType }
    /// `dns`, when any of its fields is set: it replaces IPAM's DNS in the result.
    public var dns: DNS? { veth.dns }

    /// The default bridge name.
    public static let defaultBridge = "cni0"

    /// Reads and checks the config of a request.
    public init(_ config: NetworkConfig, args: CNIArgs) throws {
        let o = config.object(Self.fields)
        veth = try VethPluginConfig(config, o)
        bridge = try o["bridge"].string().flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultBridge
        isDefaultGateway = try o["isDefaultGateway"].bool() ?? false
        isGateway = try o["isGateway"].bool() ?? false || isDefaultGateway
        forceAddress = try o["forceAddress"].bool() ?? false
        hairpinMode = try o["hairpinMode"].bool() ?? false
        promiscMode = try o["promiscMode"].bool() ?? false
        preserveDefaultVlan = try o["preserveDefaultVlan"].bool() ?? false
        macSpoofCheck = try o["macspoofchk"].bool() ?? false
        disableContainerInterface = try o["disableContainerInterface"].bool() ?? false
        portIsolation = try o["portIsolation"].bool() ?? false

        let vlanValue = try o["vlan"].int() ?? 0
        guard (0...4094).contains(vlanValue) else {
            throw BridgeError.config("invalid VLAN ID \(vlanValue) (must be between 0 and 4094)")
        }
        vlan = UInt16(vlanValue)
        vlanTrunk = try VLANTrunk.collect(o["vlanTrunk"])

        mac = try Self.requestedMAC(o, args)

        try Self.validateBridgeName(bridge)
        _ = try Masquerade.configuredKind(veth.ipMasqBackend)
        if hairpinMode && promiscMode {
            throw BridgeError.config("cannot set hairpin mode and promiscuous mode at the same time")
        }
        if disableContainerInterface && !veth.ipamType.isEmpty {
            throw BridgeError.config("cannot use IPAM when disableContainerInterface is set: the container interface stays down")
        }
    }

    /// What DEL and GC need, read by the teardown rule (``GoValue/readable(_:)``): a config that no
    /// longer validates (a bad VLAN, hairpin together with promisc, a mistyped option) must not
    /// keep an attachment from being cleaned up. Of the keys teardown uses, `ipMasq` and
    /// `macspoofchk` count as on when they do not read; the others are unset.
    public init(teardown config: NetworkConfig) {
        let o = config.object(Self.fields)
        veth = VethPluginConfig(teardown: config, o)
        bridge = o["bridge"].readable { v throws(GoReadError) in try v.string() }.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultBridge
        isDefaultGateway = o["isDefaultGateway"].readable { v throws(GoReadError) in try v.bool() } ?? false
        isGateway = o["isGateway"].readable { v throws(GoReadError) in try v.bool() } ?? false || isDefaultGateway
        forceAddress = false
        hairpinMode = false
        promiscMode = false
        vlan = 0
        vlanTrunk = []
        preserveDefaultVlan = false
        macSpoofCheck = o["macspoofchk"].cleanupFlag
        disableContainerInterface = false
        portIsolation = false
        mac = nil
    }

    /// True when the host port gets VLAN settings (and a new bridge gets `vlan_filtering 1`).
    public var usesVLANs: Bool { vlan != 0 || !vlanTrunk.isEmpty }

    /// True when ADD runs IPAM and configures addresses (an L3 network).
    public var isLayer3: Bool { !ipamType.isEmpty }

    /// The precedence of the reference's `loadNetConf`: each later source overrides: CNI_ARGS
    /// `MAC`, then `args.cni.mac`, then `runtimeConfig.mac` (capability "mac").
    private static func requestedMAC(_ o: GoObject, _ args: CNIArgs) throws -> MACAddress? {
        var text = args.mac ?? ""
        let cni = try o["args"].object(argsFields)["cni"].object(macFields)
        if let fromArgs = try cni["mac"].string(), !fromArgs.isEmpty { text = fromArgs }
        if let fromRuntime = try o["runtimeConfig"].object(macFields)["mac"].string(), !fromRuntime.isEmpty { text = fromRuntime }
        guard !text.isEmpty else { return nil }
        guard let mac = MACAddress(text) else { throw BridgeError.config("invalid MAC address \"\(text)\"") }
        guard mac.isUsableUnicast else { throw BridgeError.config("MAC address \(mac) is not a unicast address") }
        return mac
    }

    /// The kernel's `dev_valid_name()`: checked here so a bad name is a config error before any
    /// link exists.
    static func validateBridgeName(_ name: String) throws(BridgeError) {
        do {
            try CNIValidation.validateInterfaceName(name)
        } catch {
            throw .config("invalid bridge name \"\(name)\": \(error.description)")
        }
    }
}
