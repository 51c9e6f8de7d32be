import NetAddress

/// flanneld's lease for this node, as its subnet file (`/run/flannel/subnet.env`) states it:
///
/// ```
/// FLANNEL_NETWORK=10.244.0.0/16
/// FLANNEL_SUBNET=10.244.1.1/24
/// FLANNEL_IPV6_NETWORK=fd00:244::/56
/// FLANNEL_IPV6_SUBNET=fd00:244:0:1::1/64
/// FLANNEL_MTU=1450
/// FLANNEL_IPMASQ=true
/// ```
///
/// Read as the reference reads it: `KEY=value` lines, values taken as written (no trimming),
/// networks and subnets reduced to their network address, repeated networks listed once.
public struct SubnetEnv: Sendable, Equatable {
    /// The cluster's pod networks (`FLANNEL_NETWORK`, comma-separated).
    public var networks: [IPNetwork] = []
    /// This node's pod subnet (`FLANNEL_SUBNET`).
    public var subnet: IPNetwork?
    /// `FLANNEL_IPV6_NETWORK`.
    public var ipv6Networks: [IPNetwork] = []
    /// `FLANNEL_IPV6_SUBNET`.
    public var ipv6Subnet: IPNetwork?
    /// `FLANNEL_MTU`.
    public var mtu: UInt32?
    /// `FLANNEL_IPMASQ`: whether flanneld masquerades pod traffic itself (then the delegate does not).
    public var ipMasq: Bool?

    public init() {}

    /// Parses the file's text; `path` names it in messages.
    public init(text: String, path: String) throws(FlannelError) {
        // Split on bytes: Swift reads "\r\n" as one Character, bufio.Scanner drops the "\r".
        for raw in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let line = raw.last == 0x0D ? raw.dropLast() : raw
            let parts = line.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            let key = parts[0]
            guard Self.keys.contains(key) else { continue }
            guard parts.count == 2 else { throw FlannelError(.subnetFile, "\(path): \(key) has no value") }
            let value = parts[1]
            switch key {
            case "FLANNEL_NETWORK": networks = try Self.networks(value)
            case "FLANNEL_SUBNET": subnet = try Self.network(value)
            case "FLANNEL_IPV6_NETWORK": ipv6Networks = try Self.networks(value)
            case "FLANNEL_IPV6_SUBNET": ipv6Subnet = try Self.network(value)
            case "FLANNEL_MTU":
                guard let mtu = UInt32(value) else {
                    throw FlannelError(.subnetFile, "strconv.ParseUint: parsing \"\(value)\": invalid syntax")
                }
                self.mtu = mtu
            default: ipMasq = value == "true"
            }
        }
        let missing = self.missing
        if !missing.isEmpty { throw FlannelError(.subnetFile, "\(path) is missing \(missing.joined(separator: ", "))") }
    }

    static let keys: Set<String> = [
        "FLANNEL_NETWORK", "FLANNEL_SUBNET", "FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET", "FLANNEL_MTU", "FLANNEL_IPMASQ",
    ]

    /// The keys a usable file must have (a network and a subnet of either family, MTU, IPMASQ).
    var missing: [String] {
        var m: [String] = []
        if networks.isEmpty && ipv6Networks.isEmpty { m += ["FLANNEL_NETWORK", "FLANNEL_IPV6_NETWORK"] }
        if subnet == nil && ipv6Subnet == nil { m += ["FLANNEL_SUBNET", "FLANNEL_IPV6_SUBNET"] }
        if mtu == nil { m.append("FLANNEL_MTU") }
        if ipMasq == nil { m.append("FLANNEL_IPMASQ") }
        return m
    }

    private static func network(_ text: String) throws(FlannelError) -> IPNetwork {
        guard let net = IPNetwork(text) else { throw FlannelError(.subnetFile, "invalid CIDR address: \(text)") }
        return net.network
    }

    private static func networks(_ text: String) throws(FlannelError) -> [IPNetwork] {
        var out: [IPNetwork] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let net = try network(String(item))
            if !out.contains(net) { out.append(net) }
        }
        return out
    }
}
