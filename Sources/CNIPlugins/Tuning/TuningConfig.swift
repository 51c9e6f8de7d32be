import CNI
import NetAddress
import PluginKit

/// tuning's options, merged from the config, `runtimeConfig` (capability `mac`), `args.cni` and
/// `CNI_ARGS`, as the reference's `parseConf` merges them.
///
/// | key | meaning |
/// |---|---|
/// | `sysctl` | `{"net.core.somaxconn": "500"}`: sysctls under `net` set in the container (`IFNAME` in a key is the interface) |
/// | `mac` | the interface's MAC address (also `runtimeConfig.mac`, `args.cni.mac`, `CNI_ARGS` `MAC=`) |
/// | `mtu` | the interface's MTU (0: unchanged) |
/// | `promisc` | `true` turns promiscuous mode on |
/// | `allmulti` | all-multicast mode on or off (absent: unchanged) |
/// | `txQLen` | transmit queue length (absent: unchanged; 0 is a length) |
/// | `dataDir` | where the values replaced are kept until DEL (default `/run/cni/tuning`) |
public struct TuningConfig: Sendable {
    /// The reference's `TuningConf`: `types.NetConf`, then its own fields.
    static let fields = NetworkConfig.fields + [
        "dataDir", "sysctl", "mac", "promisc", "mtu", "txQLen", "allmulti", "runtimeConfig", "args",
    ]
    static let runtimeConfigFields: GoFields = ["mac"]
    static let argsFields: GoFields = ["cni"]
    /// `IPAMArgs`, the struct under `args.cni` (every field a pointer).
    static let argsCNIFields: GoFields = ["sysctl", "mac", "promisc", "mtu", "allmulti", "txQLen"]

    public static let defaultDataDir = "/run/cni/tuning"

    public var dataDir: String
    /// The sysctls in the order first written (a Go map has none; writing in document order makes
    /// a config that sets dependent parameters behave the same every time).
    public var sysctls: [(key: String, value: String)]
    /// The MAC as configured (the result carries this text) and parsed.
    public var macText: String?
    public var mac: MACAddress?
    public var promiscuous: Bool
    public var mtu: UInt32?
    public var allMulticast: Bool?
    public var txQueueLength: UInt32?

    /// True when an interface attribute is to be changed (and its old value saved).
    public var changesLink: Bool {
        mac != nil || promiscuous || mtu != nil || allMulticast != nil || txQueueLength != nil
    }

    /// Reads every option strictly (ADD, CHECK). `cniArgs` supplies `MAC=`.
    public init(_ config: NetworkConfig, cniArgs: CNIArgs) throws(PluginError) {
        self = try PluginError.reading { try TuningConfig(reading: config, cniArgs: cniArgs) }
    }

    /// What DEL needs (`dataDir`), read without failing: a config whose options no longer validate
    /// must not keep an attachment from being torn down.
    public init(lenient config: NetworkConfig) {
        let o = config.object(Self.fields)
        let dir = (try? o["dataDir"].string()) ?? nil
        dataDir = (dir ?? "").isEmpty ? Self.defaultDataDir : dir!
        sysctls = []
        promiscuous = false
    }

    private init(reading config: NetworkConfig, cniArgs: CNIArgs) throws {
        let o = config.object(Self.fields)
        let dir = try o["dataDir"].string() ?? ""
        dataDir = dir.isEmpty ? Self.defaultDataDir : dir

        var sysctls: [(key: String, value: String)] = []
        func merge(_ value: GoValue) throws(GoReadError) {
            try value.map()?.forEach { key, value throws(GoReadError) in
                let text = try value.string() ?? ""
                if let i = sysctls.firstIndex(where: { $0.key == key }) { sysctls[i].value = text } else { sysctls.append((key, text)) }
            }
        }
        try Self.refuseDuplicateSysctls(o["sysctl"])
        try merge(o["sysctl"])

        var macText = try o["mac"].string() ?? ""
        var promiscuous = try o["promisc"].bool() ?? false
        var mtu = try o["mtu"].int() ?? 0
        var txQueueLength = try o["txQLen"].pointee?.int()
        var allMulticast = try o["allmulti"].pointee?.bool()
        // The reference's order: CNI_ARGS, then runtimeConfig, then args.cni, each overriding.
        if let fromEnv = cniArgs.mac, !fromEnv.isEmpty { macText = fromEnv }
        if let fromRuntime = try o["runtimeConfig"].object(Self.runtimeConfigFields)["mac"].string(), !fromRuntime.isEmpty {
            macText = fromRuntime
        }
        if let cni = try o["args"].pointee?.object(Self.argsFields)["cni"].pointee?.object(Self.argsCNIFields) {
            if let value = cni["sysctl"].pointee { try merge(value) }
            if let value = try cni["mac"].pointee?.string() { macText = value }
            if let value = try cni["promisc"].pointee?.bool() { promiscuous = value }
            if let value = try cni["mtu"].pointee?.int() { mtu = value }
            if let value = try cni["allmulti"].pointee?.bool() { allMulticast = value }
            if let value = try cni["txQLen"].pointee?.int() { txQueueLength = value }
        }

        self.sysctls = sysctls
        self.promiscuous = promiscuous
        self.allMulticast = allMulticast
        if !macText.isEmpty {
            guard let parsed = MACAddress(macText) else { throw PluginError.config("invalid MAC address \"\(macText)\"") }
            self.macText = macText
            mac = parsed
        }
        // No silent wrap-around: the reference hands its Go int to a 32-bit kernel field.
        guard (0...Int(UInt32.max)).contains(mtu) else {
            throw PluginError.config("invalid MTU \(mtu) (must be 0 to leave it unchanged, or a positive size)")
        }
        self.mtu = mtu == 0 ? nil : UInt32(mtu)
        if let length = txQueueLength {
            guard (0...Int(UInt32.max)).contains(length) else {
                throw PluginError.config("invalid txQLen \(length) (must be between 0 and \(UInt32.max))")
            }
            self.txQueueLength = UInt32(length)
        }
    }

    /// The reference refuses a `sysctl` object naming one key twice (its decoder sees every
    /// member, so the last-wins rule would otherwise hide the first value).
    static func refuseDuplicateSysctls(_ value: GoValue) throws(PluginError) {
        var seen = Set<String>()
        var duplicate = false
        do {
            try value.map()?.forEach { key, _ in if !seen.insert(key).inserted { duplicate = true } }
        } catch {
            throw PluginError(error)
        }
        if duplicate { throw PluginError.config("duplicated sysctl keys are not allowed") }
    }
}
