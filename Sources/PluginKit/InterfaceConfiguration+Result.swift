import CNI
import LinuxNet
import NetAddress
import Netlink

extension InterfaceConfiguration {
    /// The part of an IPAM result that goes on the container interface `ifName`, as the reference's
    /// `ipam.ConfigureIface` reads it: every IP must name (by index) a result interface called
    /// `ifName`; routes are taken as they are (a missing `gw` means the family's gateway).
    public init(result: CNIResult, ifName: String) throws {
        var addresses: [AddressEntry] = []
        for ip in result.ips {
            guard let index = ip.interface, result.interfaces.indices.contains(index) else {
                throw PluginError(.internal, "failed to add IP addr \(ip.address) to \"\(ifName)\": invalid interface index")
            }
            guard result.interfaces[index].name == ifName else {
                throw PluginError(
                    .internal,
                    "failed to add IP addr \(ip.address) to \"\(ifName)\": interface name \"\(result.interfaces[index].name)\" does not match")
            }
            addresses.append(AddressEntry(address: ip.address, gateway: ip.gateway))
        }
        let routes = try result.routes.map { route in
            RouteEntry(
                destination: route.dst, gateway: route.gw, metric: try route.priority.map(Self.unsigned),
                table: try route.table.map(Self.unsigned), scope: try route.scope.map { RouteScope(rawValue: UInt8(try Self.unsigned($0))) },
                mtu: try route.mtu.map(Self.unsigned), advmss: try route.advmss.map(Self.unsigned))
        }
        self.init(interfaceName: ifName, addresses: addresses, routes: routes)
    }

    private static func unsigned(_ value: Int) throws -> UInt32 {
        guard let v = UInt32(exactly: value) else { throw PluginError(.invalidConfig, "route value \(value) out of range") }
        return v
    }
}

extension CNIResult {
    /// The address families of the result's IPs (which forwarding sysctls to turn on).
    public var families: Set<IPFamily> { Set(ips.map(\.family)) }

    /// Points every IP at interface `index` (bridge and ptp own the container interface).
    public mutating func assignIPs(toInterface index: Int) {
        for i in ips.indices { ips[i].interface = index }
    }

    /// The interface named `name` that lives in `sandbox` (nil sandbox: a host-side interface).
    public func interface(named name: String, sandbox: String?) -> (index: Int, interface: Interface)? {
        for (i, interface) in interfaces.enumerated() where interface.name == name && interface.sandbox == sandbox {
            return (i, interface)
        }
        return nil
    }
}
