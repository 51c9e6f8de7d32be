import CNI
import NetAddress

/// static's view of a request: the whole network config (IPAM plugins get all of it) plus
/// `CNI_ARGS`, read with Go's rules (``GoValue``) into the shape of the reference's `Net`,
/// `IPAMConfig` and `Address` (containernetworking/plugins `plugins/ipam/static`), and resolved
/// as its `LoadIPAMConfig` resolves them, with its messages.
///
/// Where the addresses come from, each later source replacing everything before it:
/// 1. `ipam.addresses`, then the `CNI_ARGS` `IP=` list (comma-separated CIDRs) appended, each
///    of those getting the `GATEWAY=` address (a comma-separated list; the last one inside its
///    subnet wins);
/// 2. `args.cni.ips` (CIDRs), replacing the list when non-empty;
/// 3. `runtimeConfig.ips` (the `ips` capability), replacing it when non-empty.
public struct StaticConfig: Sendable {
    /// The reference's `Net` (it does not embed `types.NetConf`).
    static let netFields: GoFields = ["name", "cniVersion", "ipam", "runtimeConfig", "args"]
    /// `IPAMConfig`: `Name` is untagged.
    static let ipamFields: GoFields = ["Name", "type", "routes", "addresses", "dns"]
    /// `Address`: `address` (the text), `gateway`, and two untagged fields, `Address` (a
    /// `net.IPNet`, which a config may set directly as `{"IP": …, "Mask": <base64>}`) and `Version`.
    static let addressFields: GoFields = ["address", "gateway", "Address", "Version"]
    /// `net.IPNet`.
    static let ipNetFields: GoFields = ["IP", "Mask"]
    /// `Net.RuntimeConfig`, `Net.Args` and its `cni` (`IPAMArgs`).
    static let ipsFields: GoFields = ["ips"]
    static let argsFields: GoFields = ["cni"]
    /// The `CNI_ARGS` keys of `IPAMEnvArgs` (besides `IgnoreUnknown`).
    static let argKeys: Set<String> = ["IP", "GATEWAY"]

    /// One address of the result.
    public struct Address: Sendable, Hashable {
        public var address: IPNetwork
        public var gateway: IPAddress?
    }

    public var cniVersion: String
    public var addresses: [Address]
    public var routes: [CNIResult.Route]
    public var dns: DNS

    /// Reads and resolves the config of an ADD or CHECK.
    public init(_ config: NetworkConfig, args: CNIArgs) throws {
        let net = config.object(Self.netFields)
        cniVersion = config.cniVersion
        guard let ipam = try net["ipam"].pointee?.object(Self.ipamFields) else {
            throw StaticError(.invalidConfig, "IPAM config missing 'ipam' key")
        }
        _ = try ipam["Name"].string()
        _ = try ipam["type"].string()
        routes = []
        for element in try ipam["routes"].slice() ?? [] {
            // A `null` element is a nil *types.Route, which the reference prints as `null`; a
            // result has no place for one, so it is left out.
            guard let route = element.pointee else { continue }
            routes.append(try CNIResult.Route(route))
        }
        dns = try DNS(ipam["dns"])

        // Each entry as the reference holds it before validation: the text, the gateway, and
        // the network when it is already known (set directly in the config, or parsed early).
        var entries: [Entry] = []
        for element in try ipam["addresses"].slice() ?? [] {
            entries.append(try Entry(element.object(Self.addressFields)))
        }
        try Self.applyEnvironment(args, to: &entries)
        let runtime = try net["runtimeConfig"].object(Self.ipsFields)
        let cni = try net["args"].pointee?.object(Self.argsFields)["cni"].pointee?.object(Self.ipsFields)
        for ips in [try cni?["ips"].strings(), try runtime["ips"].strings()] {
            guard let ips, !ips.isEmpty else { continue }
            entries = try ips.map { text in
                guard let network = IPNetwork(text) else {
                    throw StaticError(.invalidConfig, "an entry in the 'ips' field is NOT in CIDR notation, got: '\(text)'")
                }
                return Entry(text: text, network: network)
            }
        }

        addresses = try entries.map { entry in
            if let network = entry.network { return Address(address: network, gateway: entry.gateway) }
            guard let network = IPNetwork(entry.text) else {
                throw StaticError(.invalidConfig, "the 'address' field is expected to be in CIDR notation, got: '\(entry.text)'")
            }
            return Address(address: network, gateway: entry.gateway)
        }
        // Specs before 0.3.0 have room for one address per family (`ip4`, `ip6`).
        let perFamily = Dictionary(grouping: addresses, by: \.address.family).mapValues(\.count)
        if perFamily.values.contains(where: { $0 > 1 }), (try? config.version).map({ $0 < .v0_3_0 }) ?? true {
            throw StaticError(.invalidConfig, "CNI version \(config.cniVersion) does not support more than 1 address per family")
        }
    }

    /// `CNI_ARGS`: `IP=` appends addresses; `GATEWAY=` sets the gateway of each of those it
    /// falls into (only those: the config's own entries are not parsed yet at that point).
    private static func applyEnvironment(_ args: CNIArgs, to entries: inout [Entry]) throws {
        guard !args.raw.isEmpty else { return }
        do {
            try args.validate(knownKeys: argKeys)
        } catch {
            throw StaticError(.invalidArgs, error.msg)
        }
        if let list = args["IP"], !list.isEmpty {
            for item in list.split(separator: ",", omittingEmptySubsequences: false) {
                let text = item.trimmingGoSpace
                guard let network = IPNetwork(text) else {
                    throw StaticError(.invalidArgs, "the 'ip' field is expected to be in CIDR notation, got: '\(text)'")
                }
                entries.append(Entry(text: text, network: network))
            }
        }
        if let list = args["GATEWAY"], !list.isEmpty {
            for item in list.split(separator: ",", omittingEmptySubsequences: false) {
                guard let gateway = IPAddress(item.trimmingGoSpace) else {
                    throw StaticError(.invalidArgs, "invalid gateway address: \(item)")
                }
                for i in entries.indices where entries[i].network?.contains(gateway) == true {
                    entries[i].gateway = gateway
                }
            }
        }
    }

    /// An `Address` before validation.
    private struct Entry {
        var text: String
        var network: IPNetwork?
        var gateway: IPAddress?

        init(text: String, network: IPNetwork?) {
            self.text = text
            self.network = network
        }

        init(_ o: GoObject) throws {
            text = try o["address"].string() ?? ""
            gateway = try o["gateway"].ip()
            _ = try o["Version"].string()
            let ipNet = try o["Address"].object(StaticConfig.ipNetFields)
            let mask = try ipNet["Mask"].bytes()
            if let ip = try ipNet["IP"].ip() {
                guard let mask, let length = Self.prefixLength(mask, family: ip.family), let network = IPNetwork(address: ip, prefixLength: length)
                else {
                    throw StaticError(.invalidConfig, "the 'Address' field of \(ip) needs a contiguous 'Mask' of its family")
                }
                self.network = network
            }
        }

        /// The prefix length of a contiguous netmask of `family`'s size (a 16-byte mask of an
        /// IPv4 address counts its last 4 bytes, as Go does).
        static func prefixLength(_ mask: [UInt8], family: IPFamily) -> Int? {
            var bytes = mask
            if family == .v4 && bytes.count == 16 { bytes = Array(bytes.suffix(4)) }
            guard bytes.count * 8 == family.bitWidth else { return nil }
            var ones = 0
            var seenZero = false
            for byte in bytes {
                for bit in (0..<8).reversed() {
                    if byte >> UInt8(bit) & 1 == 1 {
                        if seenZero { return nil }
                        ones += 1
                    } else {
                        seenZero = true
                    }
                }
            }
            return ones
        }
    }
}

extension Substring {
    /// Go's `strings.TrimSpace` (ASCII white space; the reference trims list items with it).
    var trimmingGoSpace: String {
        let space: Set<Character> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]
        var s = self
        while let c = s.first, space.contains(c) { s = s.dropFirst() }
        while let c = s.last, space.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
