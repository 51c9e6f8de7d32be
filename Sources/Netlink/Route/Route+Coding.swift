import CNetlinkShim
import NetAddress

extension Route {
    /// Decodes an `RTM_NEWROUTE` message.
    public init(message: NetlinkMessage) throws(NetlinkDecodingError) {
        let payload = message.payload
        guard payload.count >= MemoryLayout<rtmsg>.size else {
            throw NetlinkDecodingError("rtmsg truncated (\(payload.count) bytes)", messageType: message.type)
        }
        let attributes = try AttributeList(parsing: payload, from: netlinkAlign(MemoryLayout<rtmsg>.size))
        guard let family = IPFamily(rawValue: payload[0]) else {
            throw NetlinkDecodingError("route family \(payload[0]) is not IPv4 or IPv6", messageType: message.type)
        }
        let zero = family == .v4 ? IPAddress(v4: 0) : IPAddress(v6High: 0, low: 0)
        let destinationAddress = attributes[ty(RTA_DST)]?.ipAddress ?? zero
        guard destinationAddress.family == family,
            let destination = IPNetwork(address: destinationAddress, prefixLength: Int(payload[1]))
        else {
            throw NetlinkDecodingError("route destination does not match family or prefix", messageType: message.type)
        }
        self.init(
            destination: destination,
            gateway: attributes[ty(RTA_GATEWAY)]?.ipAddress,
            outputInterface: attributes[ty(RTA_OIF)]?.s32,
            table: RouteTable(attributes[ty(RTA_TABLE)]?.u32 ?? UInt32(payload[4])),
            priority: attributes[ty(RTA_PRIORITY)]?.u32,
            scope: RouteScope(rawValue: payload[6]),
            protocol: RouteProtocol(rawValue: payload[5]),
            type: RouteType(rawValue: payload[7]),
            preferredSource: attributes[ty(RTA_PREFSRC)]?.ipAddress,
            flags: RouteFlags(rawValue: payload.integer(UInt32.self, at: 8)!),
            tos: payload[3]
        )
        if let metrics = try attributes.nested(ty(RTA_METRICS)) {
            mtu = metrics[ty(RTAX_MTU)]?.u32
            advmss = metrics[ty(RTAX_ADVMSS)]?.u32
        }
    }

    /// The route as an `RTM_NEWROUTE` message (fake replies and round-trip tests).
    public var message: NetlinkMessage {
        try! NetlinkMessage.split(NetlinkRequest.route(self, type: ty(RTM_NEWROUTE), flags: 0, verb: "").bytes)[0]
    }
}

extension NetlinkRequest {
    /// `RTM_NEWROUTE` adding `route` (`ip route add ...`, fails with `EEXIST` when present) or,
    /// with `replace`, adding or replacing it (`ip route replace ...`).
    ///
    /// ```
    /// rtmsg | [RTA_DST] | [RTA_PREFSRC] | [RTA_GATEWAY] | [RTA_OIF] | [RTA_PRIORITY] | [RTA_TABLE when > 255]
    /// | [RTA_METRICS { RTAX_MTU, RTAX_ADVMSS }]
    /// ```
    public static func newRoute(_ route: Route, replace: Bool = false) -> NetlinkRequest {
        let flags = replace ? RequestFlags.change | RequestFlags.create | RequestFlags.replace : RequestFlags.createExclusive
        return Self.route(route, type: ty(RTM_NEWROUTE), flags: flags, verb: replace ? "replace" : "add")
    }

    /// `RTM_DELROUTE` removing `route` (`ip route del ...`). Like iproute2 it leaves scope
    /// (`RT_SCOPE_NOWHERE`), protocol and type open, so the destination, table, metric, gateway
    /// and interface pick the route.
    public static func deleteRoute(_ route: Route) -> NetlinkRequest {
        var identity = Route(
            destination: route.destination, gateway: route.gateway, outputInterface: route.outputInterface,
            table: route.table, priority: route.priority, scope: .nowhere, protocol: .unspecified, type: .unspecified)
        identity.tos = route.tos
        return Self.route(identity, type: ty(RTM_DELROUTE), flags: RequestFlags.change, verb: "delete")
    }

    /// `RTM_GETROUTE` dump (`ip route show table all`), optionally restricted to one table and/or
    /// output interface (filters the kernel applies with strict checking on).
    public static func dumpRoutes(family: IPFamily, table: RouteTable? = nil, outputInterface: Int32? = nil) -> NetlinkRequest {
        NetlinkRequest("dump ipv\(family.versionString) routes", type: ty(RTM_GETROUTE), flags: RequestFlags.dumpRequest) { b in
            b.append(header: rtmsg(
                rtm_family: family.rawValue, rtm_dst_len: 0, rtm_src_len: 0, rtm_tos: 0, rtm_table: 0, rtm_protocol: 0,
                rtm_scope: 0, rtm_type: 0, rtm_flags: 0))
            if let table { b.put(ty(RTA_TABLE), u32: table.rawValue) }
            if let outputInterface { b.put(ty(RTA_OIF), u32: UInt32(bitPattern: outputInterface)) }
        }
    }

    /// `RTM_GETROUTE` for one destination (`ip route get <dst> [from <src>] [oif <index>]`).
    public static func getRoute(_ query: RouteQuery) -> NetlinkRequest {
        let family = query.destination.family
        return NetlinkRequest("get route to \(query.destination)", type: ty(RTM_GETROUTE), flags: RequestFlags.change) { b in
            b.append(header: rtmsg(
                rtm_family: family.rawValue, rtm_dst_len: UInt8(family.bitWidth),
                rtm_src_len: query.source == nil ? 0 : UInt8(family.bitWidth), rtm_tos: 0, rtm_table: 0,
                rtm_protocol: 0, rtm_scope: 0, rtm_type: 0, rtm_flags: 0))
            b.put(ty(RTA_DST), bytes: query.destination.bytes)
            if let source = query.source { b.put(ty(RTA_SRC), bytes: source.bytes) }
            if let oif = query.outputInterface { b.put(ty(RTA_OIF), u32: UInt32(bitPattern: oif)) }
        }
    }

    static func route(_ route: Route, type: UInt16, flags: UInt16, verb: String) -> NetlinkRequest {
        var label = "\(verb) route \(route.destination.network)"
        if let gateway = route.gateway { label += " via \(gateway)" }
        if let oif = route.outputInterface { label += " dev #\(oif)" }
        if route.table != .main { label += " table \(route.table)" }
        return NetlinkRequest(label, type: type, flags: flags) { b in
            let table = route.table.rawValue
            b.append(header: rtmsg(
                rtm_family: route.family.rawValue, rtm_dst_len: UInt8(route.destination.prefixLength), rtm_src_len: 0,
                rtm_tos: route.tos, rtm_table: table < 256 ? UInt8(table) : u8(RT_TABLE_UNSPEC.rawValue),
                rtm_protocol: route.protocol.rawValue, rtm_scope: route.scope.rawValue, rtm_type: route.type.rawValue,
                rtm_flags: route.flags.rawValue))
            if route.destination.prefixLength > 0 { b.put(ty(RTA_DST), bytes: route.destination.network.address.bytes) }
            if let source = route.preferredSource { b.put(ty(RTA_PREFSRC), bytes: source.bytes) }
            if let gateway = route.gateway { b.put(ty(RTA_GATEWAY), bytes: gateway.bytes) }
            if let oif = route.outputInterface { b.put(ty(RTA_OIF), u32: UInt32(bitPattern: oif)) }
            if let priority = route.priority { b.put(ty(RTA_PRIORITY), u32: priority) }
            if table >= 256 { b.put(ty(RTA_TABLE), u32: table) }
            if route.mtu != nil || route.advmss != nil {
                b.nest(ty(RTA_METRICS)) { metrics in
                    if let mtu = route.mtu { metrics.put(ty(RTAX_MTU), u32: mtu) }
                    if let advmss = route.advmss { metrics.put(ty(RTAX_ADVMSS), u32: advmss) }
                }
            }
        }
    }
}
