import CNI

/// ptp's options, read from the network config as the reference's `NetConf` reads them, plus one
/// of ours (`enabledad`).
///
/// | key | default | meaning |
/// |---|---|---|
/// | `ipMasq` | false | masquerade traffic from the container leaving its subnet |
/// | `ipMasqBackend` | the node's: iptables where the reference's iptables chains are, else nftables | `"iptables"` or `"nftables"` |
/// | `mtu` | kernel default | MTU of both veth ends |
/// | `ipam` | required | the IPAM plugin (its `type`) and its options |
/// | `dns` | IPAM's | replaces the IPAM result's DNS when any field is set |
/// | `enabledad` | false | run IPv6 duplicate address detection on both veth ends (the reference always does) |
///
/// `enabledad` is bridge's option of the same name: the reference's ptp waits for DAD on every
/// IPv6 ADD (about 1–2 s per container, plugins#680, kubernetes#54651), on a link whose only
/// other end is the host veth we just made, where no duplicate can exist.
public struct PTPConfig: Sendable, Hashable {
    public var network: String
    public var ipMasq: Bool
    /// `ipMasqBackend`; nil picks the default (see `Masquerade.backend(named:)`).
    public var ipMasqBackend: String?
    /// nil for the kernel default (`mtu` absent or 0).
    public var mtu: UInt32?
    /// `ipam.type` ("" when missing, which only ADD, CHECK and STATUS refuse).
    public var ipamType: String
    /// The config's `dns` when it sets any field (then it replaces the IPAM result's).
    public var dns: DNS?
    public var enableDAD: Bool

    /// Reads the options of `config`. Malformed values are code 6 (wrong JSON type) or 7 (a value
    /// out of range), naming the key.
    public init(_ config: NetworkConfig) throws(CNIError) {
        let raw = config.raw
        network = config.name
        ipMasq = config.ipMasq
        ipamType = config.ipam?.type ?? ""
        enableDAD = try Self.bool(raw, "enabledad") ?? false

        if let backend = raw["ipMasqBackend"], !backend.isNull {
            guard let text = backend.stringValue else { throw Self.typeError("ipMasqBackend", "a string", backend) }
            ipMasqBackend = text.isEmpty ? nil : text
        }
        if let value = raw["mtu"], !value.isNull {
            guard case .number(let number) = value, let mtu = number.int else {
                throw Self.typeError("mtu", "an integer", value)
            }
            // 0 is Go's zero value: the kernel default, as in the reference. The kernel refuses
            // anything outside the veth's 68...65535 only after IPAM has run; refuse it up front.
            guard mtu == 0 || (68...65535).contains(mtu) else {
                throw CNIError(.invalidNetworkConfig, "invalid MTU \(mtu): must be 0 (kernel default) or 68-65535")
            }
            self.mtu = mtu == 0 ? nil : UInt32(mtu)
        }
        dns = Self.dnsIsSet(raw) ? config.dns : nil
    }

    /// ADD, CHECK and STATUS delegate to IPAM; without an IPAM type there is nothing to delegate to.
    public func requireIPAM() throws(CNIError) {
        guard !ipamType.isEmpty else {
            throw CNIError(
                .invalidNetworkConfig, "ptp requires an IPAM plugin: \"ipam\" with a \"type\" (no plugin name provided)")
        }
    }

    /// The reference's `dnsConfSet`: Go distinguishes an absent list from an empty one, so
    /// `"nameservers": []` counts as set (and clears the IPAM result's DNS).
    static func dnsIsSet(_ raw: JSONObject) -> Bool {
        guard let dns = raw["dns"]?.objectValue else { return false }
        for key in ["nameservers", "search", "options"] {
            if let v = dns[key], !v.isNull { return true }
        }
        return !(dns["domain"]?.stringValue ?? "").isEmpty
    }

    private static func bool(_ raw: JSONObject, _ key: String) throws(CNIError) -> Bool? {
        guard let v = raw[key], !v.isNull else { return nil }
        guard let b = v.boolValue else { throw typeError(key, "a boolean", v) }
        return b
    }

    private static func typeError(_ key: String, _ expected: String, _ found: JSONValue) -> CNIError {
        CNIError(.decodingFailure, "failed to load netconf: \"\(key)\" must be \(expected), found \(found.kindDescription)")
    }
}
