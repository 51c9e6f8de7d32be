import CNI
import NetAddress

/// The bridge plugin's network config: the reference's options, defaults and checks
/// (containernetworking/plugins `plugins/main/bridge`, HEAD), read from a request.
///
/// Deliberate differences, each accepting more than the reference or failing earlier:
/// - booleans may also be the strings "true"/"false" (see ``ConfigReader/bool(_:)``);
/// - `vlan` and `vlanTrunk` may be combined (HEAD ≥ 1.8.0): `vlan` is the trunk's native VLAN
///   (see ``PortVLANPlan``);
/// - the bridge name, `mtu` and the requested MAC are checked here (code 7), before anything is
///   created, instead of failing in the kernel half-way through ADD.
public struct BridgeConfig: Sendable, Hashable {
    /// `name`.
    public var network: String
    /// `bridge`: the bridge to create or reuse (default `cni0`).
    public var bridge: String
    /// `isGateway` (also set by `isDefaultGateway`): gateway addresses on the bridge, forwarding on.
    public var isGateway: Bool
    /// `isDefaultGateway`: a default route via the gateway unless IPAM returned one.
    public var isDefaultGateway: Bool
    /// `forceAddress`: replace a conflicting bridge address instead of failing.
    public var forceAddress: Bool
    /// `ipMasq`: masquerade container traffic leaving its subnet.
    public var ipMasq: Bool
    /// `ipMasqBackend`: "iptables" or "nftables"; nil follows the node: iptables where the
    /// reference's iptables chains already are, nftables otherwise (Firewall's
    /// `FirewallBackendKind.nodeDefault`).
    public var ipMasqBackend: String?
    /// `mtu`: for a new bridge and both veth ends; nil keeps the kernel default.
    public var mtu: UInt32?
    /// `hairpinMode`: frames may leave through the port they came in on.
    public var hairpinMode: Bool
    /// `promiscMode`: the bridge in promiscuous mode.
    public var promiscMode: Bool
    /// `vlan`: access VLAN (PVID, untagged) of the host port; 0 for none.
    public var vlan: UInt16
    /// `vlanTrunk`: tagged VLANs of the host port, sorted, without duplicates.
    public var vlanTrunk: [UInt16]
    /// `preserveDefaultVlan`: keep the port's existing VLANs (normally the default VLAN 1).
    public var preserveDefaultVlan: Bool
    /// `macspoofchk`: drop frames from the port whose source MAC is not the container's.
    public var macSpoofCheck: Bool
    /// `enabledad`: IPv6 duplicate address detection on the container interface.
    public var enableDAD: Bool
    /// `disableContainerInterface`: leave the container end down (L2 only).
    public var disableContainerInterface: Bool
    /// `portIsolation`: the host port is isolated (talks only to non-isolated ports).
    public var portIsolation: Bool
    /// The container MAC: `runtimeConfig.mac`, else `args.cni.mac`, else CNI_ARGS `MAC`.
    public var mac: MACAddress?
    /// `ipam.type`; empty for an L2-only network.
    public var ipamType: String
    /// `dns`, when any of its fields is set: it replaces IPAM's DNS in the result.
    public var dns: DNS?

    /// The default bridge name.
    public static let defaultBridge = "cni0"

    /// Reads and checks the config of a request.
    public init(_ config: NetworkConfig, args: CNIArgs) throws(BridgeError) {
        let r = ConfigReader(config.raw)
        network = config.name
        bridge = try r.string("bridge").flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultBridge
        isDefaultGateway = try r.bool("isDefaultGateway")
        isGateway = try r.bool("isGateway") || isDefaultGateway
        forceAddress = try r.bool("forceAddress")
        ipMasq = try r.bool("ipMasq")
        ipMasqBackend = try r.string("ipMasqBackend").flatMap { $0.isEmpty ? nil : $0 }
        hairpinMode = try r.bool("hairpinMode")
        promiscMode = try r.bool("promiscMode")
        preserveDefaultVlan = try r.bool("preserveDefaultVlan")
        macSpoofCheck = try r.bool("macspoofchk")
        enableDAD = try r.bool("enabledad")
        disableContainerInterface = try r.bool("disableContainerInterface")
        portIsolation = try r.bool("portIsolation")
        ipamType = config.ipam?.type ?? ""
        dns = try Self.dnsOverride(r, config)

        let mtuValue = try r.int("mtu") ?? 0
        guard (0...65535).contains(mtuValue) else { throw .config("invalid MTU \(mtuValue) (must be between 0 and 65535)") }
        mtu = mtuValue == 0 ? nil : UInt32(mtuValue)

        let vlanValue = try r.int("vlan") ?? 0
        guard (0...4094).contains(vlanValue) else {
            throw .config("invalid VLAN ID \(vlanValue) (must be between 0 and 4094)")
        }
        vlan = UInt16(vlanValue)
        vlanTrunk = try VLANTrunk.collect(r.array("vlanTrunk"))

        mac = try Self.requestedMAC(r, args)

        try Self.validateBridgeName(bridge)
        if hairpinMode && promiscMode {
            throw .config("cannot set hairpin mode and promiscuous mode at the same time")
        }
        if disableContainerInterface && !ipamType.isEmpty {
            throw .config("cannot use IPAM when disableContainerInterface is set: the container interface stays down")
        }
        if let backend = ipMasqBackend, backend != "iptables" && backend != "nftables" {
            throw .config("unknown ipMasqBackend \"\(backend)\" (must be \"iptables\" or \"nftables\")")
        }
    }

    /// What DEL and GC need, read without failing: a config that no longer validates (a bad
    /// VLAN, hairpin together with promisc, …) must not keep an attachment from being cleaned up.
    /// Keys that do not read are taken as unset.
    public init(lenient config: NetworkConfig) {
        let r = ConfigReader(config.raw)
        network = config.name
        bridge = (try? r.string("bridge")).flatMap { $0 } ?? Self.defaultBridge
        isDefaultGateway = (try? r.bool("isDefaultGateway")) ?? false
        isGateway = ((try? r.bool("isGateway")) ?? false) || isDefaultGateway
        forceAddress = false
        ipMasq = (try? r.bool("ipMasq")) ?? false
        ipMasqBackend = nil
        mtu = nil
        hairpinMode = false
        promiscMode = false
        vlan = 0
        vlanTrunk = []
        preserveDefaultVlan = false
        macSpoofCheck = (try? r.bool("macspoofchk")) ?? false
        enableDAD = false
        disableContainerInterface = false
        portIsolation = false
        mac = nil
        ipamType = config.ipam?.type ?? ""
        dns = nil
    }

    /// True when the host port gets VLAN settings (and a new bridge gets `vlan_filtering 1`).
    public var usesVLANs: Bool { vlan != 0 || !vlanTrunk.isEmpty }

    /// True when ADD runs IPAM and configures addresses (an L3 network).
    public var isLayer3: Bool { !ipamType.isEmpty }

    /// The precedence of the reference's `loadNetConf`: each later source overrides: CNI_ARGS
    /// `MAC`, then `args.cni.mac`, then `runtimeConfig.mac` (capability "mac").
    private static func requestedMAC(_ r: ConfigReader, _ args: CNIArgs) throws(BridgeError) -> MACAddress? {
        var text = args.mac ?? ""
        if let fromArgs = try r.object("args")?.object("cni")?.string("mac"), !fromArgs.isEmpty { text = fromArgs }
        if let fromRuntime = try r.object("runtimeConfig")?.string("mac"), !fromRuntime.isEmpty { text = fromRuntime }
        guard !text.isEmpty else { return nil }
        guard let mac = MACAddress(text) else { throw .config("invalid MAC address \"\(text)\"") }
        guard mac.isUsableUnicast else { throw .config("MAC address \(mac) is not a unicast address") }
        return mac
    }

    /// The reference replaces IPAM's DNS when the config's `dns` has any field set (a present
    /// list counts even when empty, as a non-nil Go slice does).
    private static func dnsOverride(_ r: ConfigReader, _ config: NetworkConfig) throws(BridgeError) -> DNS? {
        guard let d = try r.object("dns") else { return nil }
        let domain = try d.string("domain") ?? ""
        let set = d.value("nameservers") != nil || d.value("search") != nil || d.value("options") != nil || !domain.isEmpty
        return set ? (config.dns ?? DNS()) : nil
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
