import CNI
import NetAddress

/// host-local's view of a request: the whole network config (IPAM plugins get all of it) plus
/// `CNI_ARGS`. Read with Go's rules (``GoValue``) into the shape of the reference's `Net` and
/// `IPAMConfig`, and validated as its `LoadIPAMConfig` does, with its messages.
public struct HostLocalConfig: Sendable {
    /// The reference's `Net` (it does not embed `types.NetConf`).
    static let netFields: GoFields = ["name", "cniVersion", "ipam", "runtimeConfig", "args"]
    /// Its `IPAMConfig`: the embedded legacy `*Range` first, then `Name` (untagged), … .
    static let ipamFields: GoFields = [
        "rangeStart", "rangeEnd", "subnet", "gateway", "Name", "type", "routes", "dataDir", "resolvConf", "ranges",
    ]
    /// `Range`.
    static let rangeFields: GoFields = ["rangeStart", "rangeEnd", "subnet", "gateway"]
    /// `Net.RuntimeConfig` (capabilities `ipRanges` and `ips`).
    static let runtimeConfigFields: GoFields = ["ipRanges", "ips"]
    /// `Net.Args` and its `cni` (`IPAMArgs`).
    static let argsFields: GoFields = ["cni"]
    static let ipamArgsFields: GoFields = ["ips"]

    public var network: String
    public var cniVersion: String
    /// Range sets in allocation order: `runtimeConfig.ipRanges`, the legacy single range, `ranges`.
    public var rangeSets: [RangeSet]
    /// Requested addresses in order: CNI_ARGS `IP`, `args.cni.ips`, `runtimeConfig.ips` (all used).
    public var requestedIPs: [IPAddress]
    public var routes: [CNIResult.Route]
    public var resolvConf: String?
    public var location: StoreLocation

    /// Parses everything (ADD, CHECK, STATUS).
    public init(_ config: NetworkConfig, args: CNIArgs) throws {
        let net = config.object(Self.netFields)
        let ipam = try Self.ipamObject(net)
        network = config.name
        cniVersion = config.cniVersion
        location = try Self.location(config, ipam)
        _ = try ipam["Name"].string()
        resolvConf = try ipam["resolvConf"].string().flatMap { $0.isEmpty ? nil : $0 }
        routes = []
        for element in try ipam["routes"].slice() ?? [] {
            guard let route = element.pointee else { continue }
            routes.append(try CNIResult.Route(route))
        }
        let runtime = try net["runtimeConfig"].object(Self.runtimeConfigFields)
        requestedIPs = try Self.requestedIPs(net, runtime, args)

        var specs: [[RangeSpec]] = try Self.rangeSets(runtime["ipRanges"])
        // The embedded legacy range counts when it has a subnet; its other keys are read (and
        // checked) whenever any of them is there, as Go allocates the `*Range` for any of them.
        let legacy = try Self.rangeSpec(ipam)
        if legacy.subnet != nil { specs.append([legacy]) }
        specs += try Self.rangeSets(ipam["ranges"])
        guard !specs.isEmpty else { throw HostLocalError.config("no IP ranges specified") }
        var sets: [RangeSet] = []
        for (i, set) in specs.enumerated() {
            do {
                sets.append(try RangeSet(set))
            } catch let e as HostLocalError {
                throw e.prefixed("invalid range set \(i): ")
            }
        }
        // Specs before 0.3.0 have room for one address per family (`ip4`, `ip6`).
        let perFamily = Dictionary(grouping: sets, by: \.family).mapValues(\.count)
        if perFamily.values.contains(where: { $0 > 1 }), let v = try? CNIVersion(parsing: config.cniVersion), v < .v0_3_0 {
            throw HostLocalError.config("CNI version \(config.cniVersion) does not support more than 1 address per family")
        }
        for i in sets.indices {
            for j in sets.indices where j > i && sets[i].overlaps(sets[j]) {
                throw HostLocalError.config("range set \(i) overlaps with \(j)")
            }
        }
        rangeSets = sets
    }

    /// Where the leases are, for DEL and GC, read by the teardown rule (``GoValue/readable(_:)``):
    /// only the network name and `dataDir` matter, and an `ipam` or `dataDir` that does not read
    /// (or a `dataDir` refused as unsafe) is unset, the default directory. So a config whose
    /// ranges, or anything else, no longer validate still releases the attachment's leases: they
    /// are found by container ID and interface name in the network's own directory.
    public static func location(teardown config: NetworkConfig) throws -> StoreLocation {
        let ipam = config.object(netFields)["ipam"].readable { v throws(GoReadError) in try v.pointee?.object(ipamFields) }
        let dataDir = ipam?["dataDir"].readable { v throws(GoReadError) in try v.string() }
        do {
            return try StoreLocation(network: config.name, dataDir: dataDir)
        } catch {
            return try StoreLocation(network: config.name, dataDir: nil)
        }
    }

    /// `ipam` (a Go `*IPAMConfig`: absent or `null` is the reference's "missing" error).
    private static func ipamObject(_ net: GoObject) throws -> GoObject {
        guard let ipam = try net["ipam"].pointee?.object(ipamFields) else {
            throw HostLocalError.config("IPAM config missing 'ipam' key")
        }
        return ipam
    }

    private static func location(_ config: NetworkConfig, _ ipam: GoObject) throws -> StoreLocation {
        try StoreLocation(network: config.name, dataDir: ipam["dataDir"].string())
    }

    // MARK: Requested addresses

    private static func requestedIPs(_ net: GoObject, _ runtime: GoObject, _ args: CNIArgs) throws -> [IPAddress] {
        var out: [IPAddress] = []
        if let text = args.ip, !text.isEmpty {
            guard let ip = address(text) else {
                throw HostLocalError(.invalidArgs, "ARGS: error parsing value of pair \"IP=\(text)\": invalid IP address: \(text)")
            }
            out.append(ip)
        }
        let cni = try net["args"].pointee?.object(argsFields)["cni"].pointee?.object(ipamArgsFields)
        if let ips = cni?["ips"] { out += try addresses(ips) }
        out += try addresses(runtime["ips"])
        return out
    }

    /// An address, or an address with a prefix length (runtimeConfig.ips allows both; the prefix
    /// is the range's business). IPv4-mapped IPv6 becomes IPv4, as canonicalizeIP does.
    static func address(_ text: String) -> IPAddress? {
        IPAddress(text) ?? IPNetwork(text)?.address
    }

    /// A list of address strings (`[]net.IP`, `[]*ip.IP`; both forms accepted in both places).
    private static func addresses(_ value: GoValue) throws -> [IPAddress] {
        var out: [IPAddress] = []
        for element in try value.slice() ?? [] {
            let text = try element.string() ?? ""
            guard let ip = address(text) else { throw HostLocalError.config("invalid IP address: \(text)") }
            out.append(ip)
        }
        return out
    }

    // MARK: Ranges

    /// A `[]RangeSet` (`[][]Range`).
    private static func rangeSets(_ value: GoValue) throws -> [[RangeSpec]] {
        var out: [[RangeSpec]] = []
        for set in try value.slice() ?? [] {
            var ranges: [RangeSpec] = []
            for range in try set.slice() ?? [] {
                ranges.append(try rangeSpec(range.object(rangeFields)))
            }
            out.append(ranges)
        }
        return out
    }

    /// A `Range` (`subnet` is a `types.IPNet`: absent leaves it unset, `null` and "" are refused
    /// as Go refuses them; the addresses are `net.IP`: `null` and "" mean unset).
    private static func rangeSpec(_ o: GoObject) throws -> RangeSpec {
        RangeSpec(
            subnet: try o["subnet"].cidr(), rangeStart: try o["rangeStart"].ip(), rangeEnd: try o["rangeEnd"].ip(),
            gateway: try o["gateway"].ip())
    }
}
