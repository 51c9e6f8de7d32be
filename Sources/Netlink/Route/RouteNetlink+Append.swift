import CNetlinkShim

extension NetlinkRequest {
    /// `RTM_NEWROUTE` with `NLM_F_CREATE | NLM_F_APPEND` (`ip route append ...`): like `add`, but
    /// when a route with the same destination, table and metric exists through another next hop,
    /// the new one is added beside it (IPv6 makes it a multipath route) instead of failing with
    /// `EEXIST`. An identical route still fails with `EEXIST`. This is vishvananda/netlink's
    /// `RouteAddEcmp`, which the reference plugins' `ConfigureIface` uses, so two interfaces of one
    /// network in one container each get their routes.
    public static func appendRoute(_ route: Route) -> NetlinkRequest {
        Self.route(route, type: ty(RTM_NEWROUTE), flags: RequestFlags.change | RequestFlags.create | ty(NLM_F_APPEND), verb: "append")
    }
}

extension RouteNetlink {
    /// Adds a route, beside any existing one with the same destination, table and metric.
    /// Equivalent to `ip route append <dst> [via <gw>] [dev <dev>] [metric M] [table T] ...`.
    public func appendRoute(_ route: Route) throws {
        try execute(.appendRoute(route))
    }
}
