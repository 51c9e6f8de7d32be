import Glibc
import NetAddress
import Netlink

extension InterfaceConfiguration {
    /// Applies the configuration inside `stack`'s namespace, in the reference's order:
    ///
    /// 1. With any IPv6 address: `disable_ipv6=0` on `lo` and the interface (written only when
    ///    not already 0; unreadable keys are skipped) and `keep_addr_on_down=1` on the interface.
    /// 2. Add every address (an existing identical address is an error, as in the reference).
    /// 3. Set the link up.
    /// 4. With an IPv6 gateway: wait until no IPv6 address is tentative (DADFAILED is an error; a
    ///    timeout is an error only while the link is operationally up).
    /// 5. Add every route (`ip route append`: beside an existing route to the same destination
    ///    through another interface), with the family's gateway when the route has none. An
    ///    `EEXIST` for an identical route is accepted.
    ///
    /// Returns the link as it is afterwards.
    @discardableResult
    public func apply(in stack: NetworkStack) throws -> Link {
        let name = interfaceName
        let netlink = stack.netlink
        guard let link = try InterfaceError.wrapping(name, "cannot look up \"\(name)\"", { try netlink.link(named: name) }) else {
            throw InterfaceError(.linkNotFound, interface: name, message: "interface \"\(name)\" not found")
        }
        if addresses.contains(where: { $0.address.family == .v6 }) {
            try InterfaceError.wrapping(name, "failed to enable IPv6 on \"\(name)\"") {
                try stack.sysctls { try enableIPv6($0) }
            }
        }
        for entry in addresses {
            try InterfaceError.wrapping(name, "failed to add IP address \(entry.address) to \"\(name)\"") {
                try netlink.addAddress(Address(entry.address, index: link.index, flags: addressFlags))
            }
        }
        try InterfaceError.wrapping(name, "failed to set \"\(name)\" up") { try netlink.setUp(link) }
        if defaultGateway(for: .v6) != nil {
            try settleAddresses(of: link, netlink: netlink)
        }
        for entry in routes {
            let route = kernelRoute(entry, index: link.index)
            try InterfaceError.wrapping(name, "failed to add route \(entry.destination) on \"\(name)\"") {
                try addRouteAcceptingIdentical(route, netlink: netlink)
            }
        }
        return try InterfaceError.wrapping(name, "cannot look up \"\(name)\"") { try netlink.link(index: link.index) } ?? link
    }

    /// With the namespace's sysctls.
    private func enableIPv6(_ sysctls: any SysctlAccess) throws {
        for interface in ["lo", interfaceName] {
            let key = "net/ipv6/conf/\(interface)/disable_ipv6"
            guard let value = try? sysctls.read(key) else { continue }
            if value != "0" { try sysctls.write(key, "0") }
        }
        try sysctls.set("net/ipv6/conf/\(interfaceName)/keep_addr_on_down", to: "1")
    }

    func kernelRoute(_ entry: RouteEntry, index: Int32) -> Route {
        Route(
            destination: entry.destination,
            gateway: entry.gateway ?? defaultGateway(for: entry.destination.family),
            outputInterface: index,
            table: entry.table.map { RouteTable(rawValue: $0) } ?? .main,
            priority: entry.metric,
            scope: entry.scope ?? .universe,
            mtu: entry.mtu,
            advmss: entry.advmss)
    }

    private func addRouteAcceptingIdentical(_ route: Route, netlink: RouteNetlink) throws {
        do {
            // Appended, as the reference's RouteAddEcmp: a second interface of the same network
            // gets its own path to a destination the first already routes.
            try netlink.appendRoute(route)
        } catch let error as NetlinkError where error.isExists {
            let existing = try netlink.routes(family: route.family, table: route.table)
            guard existing.contains(where: { $0.identifiesSameRoute(as: route) }) else { throw error }
        }
    }

    /// Polls until no IPv6 address of `link` is tentative (the reference's `ip.SettleAddresses`).
    private func settleAddresses(of link: Link, netlink: RouteNetlink) throws {
        let name = interfaceName
        let deadline = Self.monotonicNow() + settleTimeout
        while true {
            let addresses = try InterfaceError.wrapping(name, "cannot list addresses of \"\(name)\"") {
                try netlink.addresses(family: .v6, index: link.index)
            }
            if let failed = addresses.first(where: \.isDADFailed) {
                throw InterfaceError(
                    .duplicateAddress, interface: name,
                    message: "link \(name) has address \(failed.network.address) in DADFAILED state")
            }
            if !addresses.contains(where: \.isTentative) { return }
            if Self.monotonicNow() >= deadline {
                // Tentative addresses never settle on a link without carrier; that is not our failure.
                let current = try InterfaceError.wrapping(name, "cannot look up \"\(name)\"") { try netlink.link(index: link.index) }
                if current?.isOperationallyUp != true { return }
                throw InterfaceError(
                    .settleTimeout, interface: name,
                    message: "link \(name) still has tentative addresses after \(settleTimeout)")
            }
            sleep(for: settleInterval)
        }
    }

    /// CLOCK_MONOTONIC as a Duration since boot (ContinuousClock without the _Concurrency library).
    private static func monotonicNow() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    private func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
