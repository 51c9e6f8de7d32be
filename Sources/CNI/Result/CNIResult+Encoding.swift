import NetAddress

extension CNIResult {
    /// The result as JSON in the shape of `version`, converted as libcni converts
    /// (`Result.GetAsVersion`): members in Go's field order, empty fields left out (omitempty),
    /// and `"dns": {}` always present, as the reference plugins print it.
    ///
    /// - 1.0.0/1.1.0: everything.
    /// - 0.3.0/0.3.1/0.4.0: each IP gains `"version": "4"|"6"` by address family; interface
    ///   `mtu`, `socketPath` and `pciID` are dropped (route extras are kept, as libcni keeps them).
    /// - 0.1.0/0.2.0: the first IPv4 address becomes `ip4` and the first IPv6 `ip6`; routes go to
    ///   the object of their destination's family with only `dst`/`gw`; interfaces are dropped.
    ///   Converting a newer result with no address fails: `cannot convert: no valid IP addresses`.
    /// - anything else: `no converter for CNI result version A to B`.
    public func json(version: String) throws(CNIError) -> JSONValue {
        guard let target = ResultFormat(version), version != "" || cniVersion == "", let source = ResultFormat(cniVersion)
        else {
            throw CNIError(.incompatibleCNIVersion, "no converter for CNI result version \(cniVersion) to \(version)")
        }
        var o: JSONObject = ["cniVersion": .string(version)]
        if version.isEmpty { o = [:] }  // omitempty
        switch target {
        case .v1, .v04:
            if !interfaces.isEmpty {
                o["interfaces"] = .array(interfaces.map { $0.json(full: target == .v1) })
            }
            if !ips.isEmpty {
                o["ips"] = .array(ips.map { $0.json(withVersion: target == .v04) })
            }
            if !routes.isEmpty {
                o["routes"] = .array(routes.map(\.json))
            }
        case .v02:
            let v4 = ips.first { $0.family == .v4 }
            let v6 = ips.first { $0.family == .v6 }
            // libcni's 0.1/0.2 types convert among themselves without this check.
            if source != .v02 && v4 == nil && v6 == nil {
                throw CNIError(.internal, "cannot convert: no valid IP addresses")
            }
            for (key, ip) in [("ip4", v4), ("ip6", v6)] {
                guard let ip else { continue }
                var obj: JSONObject = ["ip": .string(ip.address.description)]
                if let gw = ip.gateway { obj["gateway"] = .string(gw.description) }
                let own = routes.filter { $0.dst.family == ip.family }
                if !own.isEmpty {
                    obj["routes"] = .array(own.map { route in
                        var r: JSONObject = ["dst": .string(route.dst.description)]
                        if let gw = route.gw { r["gw"] = .string(gw.description) }
                        return .object(r)
                    })
                }
                o[key] = .object(obj)
            }
        }
        o["dns"] = dns.json
        return .object(o)
    }

    /// ``json(version:)`` as text, pretty-printed like libcni's `Result.Print()` (4-space
    /// indent, no trailing newline).
    public func printed(version: String) throws(CNIError) -> [UInt8] {
        JSONSerializer.bytes(try json(version: version), style: .pretty)
    }

    /// This result as libcni would hold it after `GetAsVersion(version)`: what a chained plugin
    /// or a runtime reading it back in `version` sees (for example without interface MTUs after
    /// a trip through 0.4.0, or with only two addresses after one through 0.2.0).
    public func converted(to version: String) throws(CNIError) -> CNIResult {
        try CNIResult(json: json(version: version), version: version)
    }
}

extension CNIResult.Interface {
    func json(full: Bool) -> JSONValue {
        var o: JSONObject = ["name": .string(name)]
        if let mac, !mac.isEmpty { o["mac"] = .string(mac) }
        if full, let mtu, mtu != 0 { o["mtu"] = .number(JSONNumber(mtu)) }
        if let sandbox, !sandbox.isEmpty { o["sandbox"] = .string(sandbox) }
        if full, let socketPath, !socketPath.isEmpty { o["socketPath"] = .string(socketPath) }
        if full, let pciID, !pciID.isEmpty { o["pciID"] = .string(pciID) }
        return .object(o)
    }
}

extension CNIResult.IPConfig {
    func json(withVersion: Bool) -> JSONValue {
        var o = JSONObject()
        if withVersion { o["version"] = .string(family.versionString) }
        if let interface { o["interface"] = .number(JSONNumber(interface)) }
        o["address"] = .string(address.description)
        if let gateway { o["gateway"] = .string(gateway.description) }
        return .object(o)
    }
}

extension CNIResult.Route {
    /// `{dst, gw, mtu, advmss, priority, table, scope}`; `table` and `scope` print even when 0.
    public var json: JSONValue {
        var o: JSONObject = ["dst": .string(dst.description)]
        if let gw { o["gw"] = .string(gw.description) }
        if let mtu, mtu != 0 { o["mtu"] = .number(JSONNumber(mtu)) }
        if let advmss, advmss != 0 { o["advmss"] = .number(JSONNumber(advmss)) }
        if let priority, priority != 0 { o["priority"] = .number(JSONNumber(priority)) }
        if let table { o["table"] = .number(JSONNumber(table)) }
        if let scope { o["scope"] = .number(JSONNumber(scope)) }
        return .object(o)
    }
}
