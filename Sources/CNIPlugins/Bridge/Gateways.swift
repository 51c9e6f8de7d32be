import CNI
import NetAddress

/// The reference's `calcGateways`: what an IPAM result means for the bridge, per family.
///
/// For each IP of the result, in order:
/// - it is pointed at the container interface (index 2);
/// - with `isGateway` and no gateway from IPAM, its gateway becomes the subnet's first address
///   (`10.1.0.0/24` → `10.1.0.1`);
/// - with `isDefaultGateway`, a default route (`0.0.0.0/0` or `::/0`) via that gateway is added
///   once per family, unless the result already has a default route with a gateway;
/// - with `isGateway`, `<gateway>/<prefix>` joins the family's list of bridge addresses.
public struct Gateways: Hashable, Sendable {
    /// Addresses for the bridge (or VLAN gateway), IPv4 first, in result order.
    public var addresses: [IPNetwork]

    /// Updates `result` in place (IP interface indexes and gateways, default routes) and returns
    /// the bridge addresses.
    public init(result: inout CNIResult, config: BridgeConfig, containerIndex: Int = 2) {
        var v4: [IPNetwork] = [], v6: [IPNetwork] = []
        var defaultRouteFound: Set<IPFamily> = []
        for i in result.ips.indices {
            let family = result.ips[i].family
            result.ips[i].interface = containerIndex
            if result.ips[i].gateway == nil && config.isGateway {
                result.ips[i].gateway = result.ips[i].address.firstAddress.next
            }
            if config.isDefaultGateway && !defaultRouteFound.contains(family) {
                let any = IPNetwork(address: family == .v4 ? IPAddress(v4: 0) : IPAddress(v6High: 0, low: 0), prefixLength: 0)!
                if !result.routes.contains(where: { $0.gw != nil && $0.dst == any }) {
                    result.routes.append(CNIResult.Route(dst: any, gw: result.ips[i].gateway))
                }
                defaultRouteFound.insert(family)
            }
            if config.isGateway, let gateway = result.ips[i].gateway,
                let address = IPNetwork(address: gateway, prefixLength: result.ips[i].address.prefixLength)
            {
                if family == .v4 { v4.append(address) } else { v6.append(address) }
            }
        }
        addresses = v4 + v6
    }

    /// The families that have a gateway (forwarding is turned on for these).
    public var families: Set<IPFamily> { Set(addresses.map(\.family)) }
}
