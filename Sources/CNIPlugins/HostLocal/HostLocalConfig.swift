import CNI
import NetAddress

/// host-local's view of a request: the whole network config (IPAM plugins get all of it) plus
/// `CNI_ARGS`. Parsed and validated as the reference's `LoadIPAMConfig` does, with its messages.
public struct HostLocalConfig: Sendable {
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
        let ipam = try Self.ipamObject(config)
        network = config.name
        cniVersion = config.cniVersion
        location = try Self.location(config, ipam)
        resolvConf = try Self.string(ipam, "resolvConf").flatMap { $0.isEmpty ? nil : $0 }
        routes = try (ipam["routes"]?.nonNull).map(Self.routes) ?? []
        requestedIPs = try Self.requestedIPs(config, args)

        var specs: [[RangeSpec]] = []
        if let runtime = config.runtimeConfig("ipRanges")?.nonNull {
            specs += try Self.rangeSets(runtime, key: "runtimeConfig.ipRanges")
        }
        if let subnet = ipam["subnet"]?.nonNull, !(subnet.stringValue ?? "x").isEmpty {
            specs.append([try Self.rangeSpec(ipam, key: "ipam")])
        }
        if let ranges = ipam["ranges"]?.nonNull {
            specs += try Self.rangeSets(ranges, key: "ipam.ranges")
        }
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

    /// Only where the leases are (DEL and GC): a config whose ranges no longer validate must not
    /// keep an attachment's leases from being released.
    public static func location(of config: NetworkConfig) throws -> StoreLocation {
        try location(config, ipamObject(config))
    }

    private static func ipamObject(_ config: NetworkConfig) throws -> JSONObject {
        guard let ipam = config.ipam else { throw HostLocalError.config("IPAM config missing 'ipam' key") }
        return ipam.raw
    }

    private static func location(_ config: NetworkConfig, _ ipam: JSONObject) throws -> StoreLocation {
        try StoreLocation(network: config.name, dataDir: string(ipam, "dataDir"))
    }

    // MARK: Requested addresses

    private static func requestedIPs(_ config: NetworkConfig, _ args: CNIArgs) throws -> [IPAddress] {
        var out: [IPAddress] = []
        if let text = args.ip, !text.isEmpty {
            guard let ip = address(text) else {
                throw HostLocalError(.invalidArgs, "ARGS: error parsing value of pair \"IP=\(text)\": invalid IP address: \(text)")
            }
            out.append(ip)
        }
        if let ips = config.args?["cni"]?["ips"]?.nonNull {
            out += try addresses(ips, key: "args.cni.ips")
        }
        if let ips = config.runtimeConfig("ips")?.nonNull {
            out += try addresses(ips, key: "runtimeConfig.ips")
        }
        return out
    }

    /// An address, or an address with a prefix length (runtimeConfig.ips allows both; the prefix
    /// is the range's business). IPv4-mapped IPv6 becomes IPv4, as canonicalizeIP does.
    static func address(_ text: String) -> IPAddress? {
        IPAddress(text) ?? IPNetwork(text)?.address
    }

    private static func addresses(_ value: JSONValue, key: String) throws -> [IPAddress] {
        guard let list = value.arrayValue else { throw shape(key, "an array of strings", value) }
        return try list.map { item in
            guard let text = item.stringValue else { throw shape(key, "an array of strings", item) }
            guard let ip = address(text) else { throw HostLocalError.config("invalid IP address: \(text)") }
            return ip
        }
    }

    // MARK: Ranges

    private static func rangeSets(_ value: JSONValue, key: String) throws -> [[RangeSpec]] {
        guard let sets = value.arrayValue else { throw shape(key, "an array of range sets", value) }
        return try sets.enumerated().map { (i, set) in
            guard let ranges = set.arrayValue else { throw shape("\(key).\(i)", "an array of ranges", set) }
            return try ranges.enumerated().map { (j, range) in
                guard let object = range.objectValue else { throw shape("\(key).\(i).\(j)", "an object", range) }
                return try rangeSpec(object, key: "\(key).\(i).\(j)")
            }
        }
    }

    private static func rangeSpec(_ o: JSONObject, key: String) throws -> RangeSpec {
        var spec = RangeSpec(subnet: nil)
        if let text = try string(o, "subnet", in: key), !text.isEmpty {
            guard let subnet = IPNetwork(text) else { throw HostLocalError.config("invalid CIDR address: \(text)") }
            spec.subnet = subnet
        }
        spec.rangeStart = try ip(o, "rangeStart", in: key)
        spec.rangeEnd = try ip(o, "rangeEnd", in: key)
        spec.gateway = try ip(o, "gateway", in: key)
        return spec
    }

    private static func ip(_ o: JSONObject, _ field: String, in key: String) throws -> IPAddress? {
        guard let text = try string(o, field, in: key), !text.isEmpty else { return nil }
        guard let ip = IPAddress(text) else { throw HostLocalError.config("invalid IP address: \(text)") }
        return ip
    }

    // MARK: Routes

    private static func routes(_ value: JSONValue) throws -> [CNIResult.Route] {
        guard let list = value.arrayValue else { throw shape("ipam.routes", "an array of routes", value) }
        return try list.enumerated().map { (i, item) in
            let key = "ipam.routes.\(i)"
            guard let o = item.objectValue else { throw shape(key, "an object", item) }
            guard let text = try string(o, "dst", in: key), let dst = IPNetwork(text) else {
                throw HostLocalError.config("invalid CIDR address: \(o["dst"]?.stringValue ?? "")")
            }
            var route = CNIResult.Route(dst: dst, gw: try ip(o, "gw", in: key))
            route.mtu = try int(o, "mtu", in: key)
            route.advmss = try int(o, "advmss", in: key)
            route.priority = try int(o, "priority", in: key)
            route.table = try int(o, "table", in: key)
            route.scope = try int(o, "scope", in: key)
            return route
        }
    }

    // MARK: JSON helpers

    private static func string(_ o: JSONObject, _ field: String, in key: String = "ipam") throws -> String? {
        guard let v = o[field]?.nonNull else { return nil }
        guard let s = v.stringValue else { throw shape("\(key).\(field)", "a string", v) }
        return s
    }

    private static func int(_ o: JSONObject, _ field: String, in key: String) throws -> Int? {
        guard let v = o[field]?.nonNull else { return nil }
        guard let n = v.intValue else { throw shape("\(key).\(field)", "an integer", v) }
        return n
    }

    private static func shape(_ key: String, _ what: String, _ found: JSONValue) -> HostLocalError {
        HostLocalError(.decoding, "network config: \"\(key)\" must be \(what), found \(found.kindDescription)")
    }
}

extension JSONValue {
    /// nil for JSON null, as Go's decoder leaves a field unset.
    var nonNull: JSONValue? { isNull ? nil : self }
}
