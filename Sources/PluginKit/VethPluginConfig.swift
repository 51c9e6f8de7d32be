import CNI
import NetAddress

/// What the veth plugins (bridge, ptp) share in their configs and in their use of `prevResult`,
/// so that both read the same keys the same way:
///
/// | key | default | meaning |
/// |---|---|---|
/// | `ipam` | none | the IPAM plugin (its `type`) and its options |
/// | `mtu` | kernel default | MTU of both veth ends: 0 for the kernel's default, else 68–65535 |
/// | `ipMasq` | false | masquerade container traffic leaving its subnet |
/// | `ipMasqBackend` | the node's | `"iptables"` or `"nftables"` (checked by the plugin, which links the firewall) |
/// | `enabledad` | false | IPv6 duplicate address detection on the container side |
/// | `dns` | IPAM's | replaces the IPAM result's DNS when any field is set (``NetworkConfig/dns``) |
///
/// Keys are read with Go's rules (``GoValue``), as the reference plugins' `NetConf` structs read
/// them.
public struct VethPluginConfig: Sendable, Hashable {
    /// The fields bridge's and ptp's `NetConf` have in common, after `types.NetConf`'s.
    public static let fields = NetworkConfig.fields + ["ipMasq", "ipMasqBackend", "mtu", "enabledad"]

    /// `name`.
    public var network: String
    /// `ipam.type`; "" when there is none.
    public var ipamType: String
    /// `mtu`; nil for the kernel's default (absent or 0).
    public var mtu: UInt32?
    /// `ipMasq`.
    public var ipMasq: Bool
    /// `ipMasqBackend`; nil (absent, `null` or "") follows the node.
    public var ipMasqBackend: String?
    /// `enabledad`.
    public var enableDAD: Bool
    /// `dns`, when it sets anything: it replaces the IPAM result's DNS.
    public var dns: DNS?

    /// Reads the shared keys from `object`, the plugin's config read as its own struct (whose
    /// fields include ``fields``).
    public init(_ config: NetworkConfig, _ object: GoObject) throws(GoReadError) {
        network = config.name
        ipamType = config.ipam?.type ?? ""
        dns = config.dns
        mtu = try Self.mtu(object["mtu"])
        ipMasq = try object["ipMasq"].bool() ?? false
        ipMasqBackend = try object["ipMasqBackend"].pointee?.string().flatMap { $0.isEmpty ? nil : $0 }
        enableDAD = try object["enabledad"].bool() ?? false
    }

    /// What DEL and GC need, read by the teardown rule (``GoValue/readable(_:)``), so that a config
    /// that no longer validates cannot keep an attachment from being cleaned up: the IPAM type
    /// (unset when `ipam` does not read) and `ipMasq` (on when it does not read).
    public init(teardown config: NetworkConfig, _ object: GoObject) {
        network = config.name
        ipamType = config.ipam?.type ?? ""
        ipMasq = object["ipMasq"].cleanupFlag
        ipMasqBackend = nil
        mtu = nil
        enableDAD = false
        dns = nil
    }

    /// The MTU rule: a Go `int` that must be 0 (the kernel's default) or a size a veth and a bridge
    /// take (68–65535). Anything else is refused (code 7) before any link exists: the reference
    /// passes its `int` on as the kernel's 32-bit field, so 4294968696 silently becomes 1400 and a
    /// negative MTU silently means the default.
    public static func mtu(_ value: GoValue) throws(GoReadError) -> UInt32? {
        guard let mtu = try value.int(), mtu != 0 else { return nil }
        guard (68...65535).contains(mtu) else {
            throw value.valueError("invalid MTU \(mtu) (must be 0 for the kernel's default, or between 68 and 65535)")
        }
        return UInt32(mtu)
    }

    /// ADD, CHECK and STATUS delegate to IPAM; without an IPAM type there is nothing to delegate to.
    public func requireIPAM(plugin: String) throws(PluginError) {
        guard !ipamType.isEmpty else {
            throw PluginError(
                .invalidConfig, "\(plugin) requires an IPAM plugin: \"ipam\" with a \"type\" (no plugin name provided)")
        }
    }
}

extension NetworkConfig {
    /// `prevResult`, for the verbs that run chained and need it (CHECK; portmap's ADD): without
    /// one the request is incomplete, code 7 with `message` (the reference's words).
    public func requirePrevResult(_ message: String = Optional<CNIResult>.missingPrevResult) throws -> CNIResult {
        try prevResult.requiredPrevResult(message)
    }
}

extension Optional where Wrapped == CNIResult {
    /// The reference's words for a chained verb without `prevResult`.
    public static let missingPrevResult = "Required prevResult missing"

    /// A `prevResult` decoded earlier, which the verb needs: code 7 with `message` when there is none.
    public func requiredPrevResult(_ message: String = missingPrevResult) throws(PluginError) -> CNIResult {
        guard let self else { throw PluginError(.invalidConfig, message) }
        return self
    }
}

extension CNIResult {
    /// The addresses this result gives the container interface `ifName`: the IPs of the result
    /// interface with that name in `sandbox` (or, for a DEL without a netns, with that name in any
    /// sandbox), and the IPs that name no interface. When no such interface is listed, every IP:
    /// the result is the attachment's, and teardown must not miss a family.
    public func containerAddresses(ifName: String, sandbox: String) -> [IPNetwork] {
        let index = interface(named: ifName, sandbox: sandbox)?.index
            ?? interfaces.firstIndex { $0.name == ifName && !($0.sandbox ?? "").isEmpty }
        return ips.filter { index == nil || $0.interface == nil || $0.interface == index }.map(\.address)
    }
}
