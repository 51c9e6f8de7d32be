import NetAddress
import SystemPackage

extension RouteNetlink {
    /// Adds a route; fails with `EEXIST` if present. Equivalent to
    /// `ip route add <dst> [via <gw>] [dev <dev>] [metric M] [table T] [scope S] [src S] [onlink] [mtu M] [advmss A]`.
    public func addRoute(_ route: Route) throws {
        try execute(.newRoute(route))
    }

    /// Adds a route or replaces the one with the same destination, table, metric and TOS.
    /// Equivalent to `ip route replace ...`.
    public func replaceRoute(_ route: Route) throws {
        try execute(.newRoute(route, replace: true))
    }

    /// Deletes a route. Equivalent to `ip route del <dst> [via <gw>] [dev <dev>] [metric M] [table T]`.
    public func deleteRoute(_ route: Route) throws {
        try execute(.deleteRoute(route))
    }

    /// Routes of one family, optionally of one table and/or output interface (cached clones are
    /// not included). Equivalent to `ip [-6] route show table <T|all> [dev <dev>]`.
    public func routes(family: IPFamily, table: RouteTable? = nil, outputInterface: Int32? = nil) throws -> [Route] {
        let routes: [Route]
        do {
            routes = try dump(.dumpRoutes(family: family, table: table, outputInterface: outputInterface), Route.init(message:))
        } catch let error as NetlinkError where error.errno == .noSuchFileOrDirectory && table != nil {
            return []  // IPv4 answers a filter on a table that does not exist yet with ENOENT.
        }
        return routes.filter {
            (table == nil || $0.table == table) && (outputInterface == nil || $0.outputInterface == outputInterface)
        }
    }

    /// The route the kernel would use for `query`, with its output interface, gateway and
    /// preferred source filled in. Equivalent to `ip route get <dst> [from <src>] [oif <dev>]`.
    public func route(to query: RouteQuery) throws -> Route {
        let request = NetlinkRequest.getRoute(query)
        guard let reply = try execute(request).first else {
            throw NetlinkDecodingError("no reply to \(request.operation)", messageType: request.type)
        }
        return try Route(message: reply)
    }

    /// The route the kernel would use to reach `destination`. Equivalent to `ip route get <dst>`.
    public func route(to destination: IPAddress) throws -> Route {
        try route(to: RouteQuery(destination: destination))
    }
}
