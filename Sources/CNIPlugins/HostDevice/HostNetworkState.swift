import CNI
import LinuxNet
import NetAddress
import Netlink

/// `useInterfaceNetwork`: the node's layer-3 setup of the device (what a cloud provider or DHCP
/// put on it), read before the move and put back on it inside the container, then listed in the
/// result after IPAM's.
///
/// - Addresses of global scope; an IPv6 one only when permanent (SLAAC and DHCPv6 addresses
///   expire and nothing renews them in the container; the kernel makes fresh SLAAC addresses
///   there when router advertisements are accepted). IPv4 DHCP leases are copied as permanent.
/// - Routes through the device in any table but `local`, except the kernel's own (connected
///   routes come back with the addresses), those learnt from router advertisements, and IPv6
///   link-local destinations.
/// - Policy rules are not carried (see README).
struct HostNetworkState {
    var addresses: [IPNetwork] = []
    var routes: [Netlink.Route] = []

    static func capture(_ link: Link, in host: NetworkStack) throws -> HostNetworkState {
        var state = HostNetworkState()
        for address in try host.netlink.addresses(index: link.index) where address.scope == .universe {
            if address.family == .v6 && !address.flags.contains(.permanent) { continue }
            state.addresses.append(address.network)
        }
        for family in [IPFamily.v4, .v6] {
            for route in try host.netlink.routes(family: family, table: nil, outputInterface: link.index) {
                if route.table == .local || route.protocol == .kernel || route.protocol == .routerAdvertisement { continue }
                if family == .v6 && !route.isDefault && route.destination.address.isLinkLocalUnicast { continue }
                state.routes.append(route)
            }
        }
        return state
    }

    /// Puts the addresses, then the routes (link-scope routes first, so gateways are reachable),
    /// on `link` in `container`; what already exists there is fine.
    func apply(to link: Link, in container: NetworkStack) throws {
        for address in addresses {
            do {
                try container.netlink.addAddress(Address(address, index: link.index))
            } catch let error as NetlinkError where error.isExists {}
        }
        for var route in routes.sorted(by: { $0.scope.rawValue > $1.scope.rawValue }) {
            route.outputInterface = link.index
            route.preferredSource = nil
            do {
                try container.netlink.addRoute(route)
            } catch let error as NetlinkError where error.isExists {}
        }
    }

    /// The copied addresses and routes appended to `result` (addresses on interface 0).
    func merge(into result: inout CNIResult) {
        for address in addresses { result.ips.append(.init(interface: 0, address: address)) }
        for route in routes {
            result.routes.append(CNIResult.Route(
                dst: route.destination, gw: route.gateway, priority: route.priority.flatMap { $0 == 0 ? nil : Int($0) },
                table: route.table.rawValue == 0 ? nil : Int(route.table.rawValue),
                scope: route.scope == .universe ? nil : Int(route.scope.rawValue)))
        }
    }
}
