import CNI
import Firewall
import PluginKit

/// ptp's options: exactly the keys every veth plugin shares (PluginKit's ``VethPluginConfig``:
/// `ipam`, `mtu`, `ipMasq`, `ipMasqBackend`, `dns`), as the reference's `NetConf` has them, plus
/// one of ours, `enabledad` (default off: run IPv6 duplicate address detection on both veth ends,
/// as the reference always does).
///
/// `enabledad` is bridge's option of the same name: the reference's ptp waits for DAD on every
/// IPv6 ADD (about 1–2 s per container, plugins#680, kubernetes#54651), on a link whose only
/// other end is the host veth we just made, where no duplicate can exist.
public struct PTPConfig: Sendable, Hashable {
    public var veth: VethPluginConfig

    public var network: String { veth.network }
    public var ipMasq: Bool { veth.ipMasq }
    /// `ipMasqBackend`; nil picks the default (see `Masquerade.backend(named:)`).
    public var ipMasqBackend: String? { veth.ipMasqBackend }
    /// nil for the kernel default (`mtu` absent or 0).
    public var mtu: UInt32? { veth.mtu }
    /// `ipam.type` ("" when missing, which only ADD, CHECK and STATUS refuse).
    public var ipamType: String { veth.ipamType }
    /// The config's `dns` when it sets any field (then it replaces the IPAM result's).
    public var dns: DNS? { veth.dns }
    public var enableDAD: Bool { veth.enableDAD }

    /// Reads the options of `config`. Malformed values are code 6 (wrong JSON type) or 7 (a value
    /// out of range, an unknown `ipMasqBackend`), naming the key.
    public init(_ config: NetworkConfig) throws {
        veth = try VethPluginConfig(config, config.object(VethPluginConfig.fields))
        _ = try Masquerade.configuredKind(veth.ipMasqBackend)
    }

    /// What DEL and GC need, read without failing (the teardown rule, ``GoValue/readable(_:)``).
    public init(teardown config: NetworkConfig) {
        veth = VethPluginConfig(teardown: config, config.object(VethPluginConfig.fields))
    }

    /// ADD, CHECK and STATUS delegate to IPAM; without an IPAM type there is nothing to delegate to.
    public func requireIPAM() throws(PluginError) {
        try veth.requireIPAM(plugin: "ptp")
    }
}
