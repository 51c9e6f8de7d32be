import CNI
import NetAddress
import PluginKit

/// bandwidth's limits (the reference HEAD's `BandwidthEntry`), from the config's top level or,
/// when none of its keys is there, from `runtimeConfig.bandwidth` (capability `bandwidth`):
///
/// | key | meaning |
/// |---|---|
/// | `ingressRate`, `ingressBurst` | bits/s and bits for traffic into the container (both or neither) |
/// | `egressRate`, `egressBurst` | the same for traffic out of the container |
/// | `unshapedSubnets` | traffic to and from these prefixes is not shaped |
/// | `shapedSubnets` | only traffic to and from these prefixes is shaped (not with `unshapedSubnets`) |
public struct BandwidthConfig: Sendable {
    /// The reference's `PluginConf`: `types.NetConf`, `runtimeConfig`, and the entry's fields
    /// promoted from its embedded `*BandwidthEntry`.
    static let fields = NetworkConfig.fields + ["runtimeConfig"] + BandwidthLimits.fieldNames
    static let runtimeConfigFields: GoFields = ["bandwidth"]

    public var network: String
    /// nil: nothing configured (the plugin passes prevResult on).
    public var limits: BandwidthLimits?

    public init(_ config: NetworkConfig) throws(PluginError) {
        network = config.name
        limits = try PluginError.reading { () throws -> BandwidthLimits? in
            let o = config.object(Self.fields)
            var limits: BandwidthLimits?
            // Go allocates the embedded entry as soon as one of its keys appears (null included):
            // then runtimeConfig.bandwidth is not looked at.
            if BandwidthLimits.fieldNames.contains(where: { !o[$0].isAbsent }) {
                limits = try BandwidthLimits(o)
            } else if let entry = try o["runtimeConfig"].object(Self.runtimeConfigFields)["bandwidth"].pointee {
                limits = try BandwidthLimits(entry.object(BandwidthLimits.fields))
            }
            try limits?.validate()
            return limits
        }
    }

    /// What DEL and GC need (the network name), read without failing.
    public init(lenient config: NetworkConfig) {
        network = config.name
    }
}

/// One direction's token bucket.
public struct TokenBucket: Hashable, Sendable {
    /// Bits per second.
    public var rate: UInt64
    /// Bits.
    public var burst: UInt64

    /// Bytes per second, as the kernel takes it (the reference divides by 8, truncating).
    public var bytesPerSecond: UInt64 { rate / 8 }
    public var burstBytes: UInt64 { burst / 8 }
}

/// The `BandwidthEntry`.
public struct BandwidthLimits: Hashable, Sendable {
    static let fieldNames = ["unshapedSubnets", "shapedSubnets", "ingressRate", "ingressBurst", "egressRate", "egressBurst"]
    static let fields = GoFields(fieldNames)

    public var ingressRate: UInt64
    public var ingressBurst: UInt64
    public var egressRate: UInt64
    public var egressBurst: UInt64
    public var unshapedSubnets: [IPNetwork]
    public var shapedSubnets: [IPNetwork]
    /// The subnet lists as written, before ``validate()`` parses them.
    var unshapedTexts: [String]
    var shapedTexts: [String]

    init(_ o: GoObject) throws {
        ingressRate = try o["ingressRate"].int(UInt64.self) ?? 0
        ingressBurst = try o["ingressBurst"].int(UInt64.self) ?? 0
        egressRate = try o["egressRate"].int(UInt64.self) ?? 0
        egressBurst = try o["egressBurst"].int(UInt64.self) ?? 0
        unshapedTexts = try o["unshapedSubnets"].strings() ?? []
        shapedTexts = try o["shapedSubnets"].strings() ?? []
        unshapedSubnets = []
        shapedSubnets = []
    }

    /// Nothing to shape: the reference then passes prevResult on and touches nothing.
    public var isZero: Bool { ingressRate == 0 && ingressBurst == 0 && egressRate == 0 && egressBurst == 0 }

    /// Traffic into the container, when limited.
    public var ingress: TokenBucket? { ingressRate > 0 && ingressBurst > 0 ? TokenBucket(rate: ingressRate, burst: ingressBurst) : nil }
    /// Traffic out of the container, when limited.
    public var egress: TokenBucket? { egressRate > 0 && egressBurst > 0 ? TokenBucket(rate: egressRate, burst: egressBurst) : nil }

    /// The reference's checks, with its messages: rate and burst go together, a burst fits the
    /// kernel's 32-bit byte count, the subnet lists are CIDRs and not both given. Ours also
    /// refuses a rate under 8 bits/s, which is 0 bytes/s for the kernel (it would refuse the class).
    mutating func validate() throws(PluginError) {
        for (rate, burst) in [(ingressRate, ingressBurst), (egressRate, egressBurst)] {
            if burst == 0 && rate != 0 { throw PluginError.config("if rate is set, burst must also be set") }
            if rate == 0 && burst != 0 { throw PluginError.config("if burst is set, rate must also be set") }
            if burst / 8 >= UInt64(UInt32.max) { throw PluginError.config("burst cannot be more than 4GB") }
            if rate != 0 && rate < 8 { throw PluginError.config("rate \(rate) is below 8 bits per second (1 byte per second)") }
        }
        guard !isZero else { return }
        if !unshapedTexts.isEmpty && !shapedTexts.isEmpty {
            throw PluginError.config("unshapedSubnets and shapedSubnets cannot be both specified, one of them should be discarded")
        }
        func parse(_ texts: [String]) throws(PluginError) -> [IPNetwork] {
            try texts.map { text throws(PluginError) in
                guard let network = IPNetwork(text) else {
                    throw PluginError.config("bad subnet \"\(text)\" provided, details invalid CIDR address: \(text)")
                }
                return network.network
            }
        }
        unshapedSubnets = try parse(unshapedTexts)
        shapedSubnets = try parse(shapedTexts)
    }
}
