import CNI
import NetAddress
import PluginKit

/// sbr's options (the reference HEAD's `PluginConf`):
///
/// | key | meaning |
/// |---|---|
/// | `table` | use this routing table for every address and only add the rules (routes stay where they are) |
/// | `gateways` | up to one IPv4 and one IPv6 gateway, used instead of prevResult's for the default routes |
/// | `addSourceHints` | keep the subnet routes in the main table, with the address as `src`, so traffic that does not pick a source address still routes by destination |
public struct SBRConfig: Sendable {
    static let fields = NetworkConfig.fields + ["table", "gateways", "addSourceHints"]

    /// `table`; nil: a free table per address, from 100 up.
    public var table: UInt32?
    /// `gateways`, by family.
    public var gatewayV4: IPAddress?
    public var gatewayV6: IPAddress?
    public var addSourceHints: Bool

    public init(_ config: NetworkConfig) throws(PluginError) {
        self = try PluginError.reading { try SBRConfig(reading: config) }
    }

    private init(reading config: NetworkConfig) throws {
        let o = config.object(Self.fields)
        if let table = try o["table"].pointee?.int() {
            guard (1...Int(UInt32.max)).contains(table) else {
                throw PluginError.config("invalid table \(table) (must be between 1 and \(UInt32.max))")
            }
            self.table = UInt32(table)
        }
        addSourceHints = try o["addSourceHints"].bool() ?? false
        let gateways = try o["gateways"].strings() ?? []
        guard gateways.count <= 2 else {
            throw PluginError.config("gateways list cannot contain more than 2 entries (one IPv4, one IPv6)")
        }
        for text in gateways {
            guard let ip = IPAddress(text) else { throw PluginError.config("invalid static gateway IP address: \(text)") }
            if ip.family == .v4 {
                if let first = gatewayV4 { throw PluginError.config("gateways list contains multiple IPv4 addresses: \(first) and \(text)") }
                gatewayV4 = ip
            } else {
                if let first = gatewayV6 { throw PluginError.config("gateways list contains multiple IPv6 addresses: \(first) and \(text)") }
                gatewayV6 = ip
            }
        }
    }

    /// What DEL needs (`table`), read without failing: an option that does not validate is unset.
    public init(lenient config: NetworkConfig) {
        let value = (try? config.object(Self.fields)["table"].pointee?.int()) ?? nil
        table = value.flatMap { UInt32(exactly: $0) }
        addSourceHints = false
    }

    /// The default-route gateway for an address: the configured one of its family, else
    /// prevResult's.
    func gateway(for ip: CNIResult.IPConfig) -> IPAddress? {
        (ip.address.family == .v4 ? gatewayV4 : gatewayV6) ?? ip.gateway
    }
}

extension CNIResult {
    /// The reference's `getIPCfgs`: the IPs of the interface `ifName` (an IP naming no interface,
    /// or an index out of range, counts as this one's).
    func sourceRoutedIPs(ifName: String) -> [IPConfig] {
        ips.filter { ip in
            guard let index = ip.interface, interfaces.indices.contains(index) else { return true }
            return interfaces[index].name == ifName
        }
    }
}
