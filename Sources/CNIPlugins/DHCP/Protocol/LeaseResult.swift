import CNI
import NetAddress

/// What a DHCPACK means as an IPAM result, as the reference reads it: the address with the
/// subnet mask, the first router as gateway, and routes: the classless static routes
/// (option 121) when the server sent any (RFC 3442: then the static routes and router options
/// are ignored for routing); otherwise the static routes (option 33, classful destinations)
/// followed by a default route through the first router. DNS servers are not taken over.
enum LeaseResult {
    static func result(_ ack: DHCPMessage, priority: Int) throws(DHCPError) -> CNIResult {
        guard let mask = ack.subnetMask else {
            throw DHCPError(.failed, "DHCP option Subnet Mask not found in DHCPACK")
        }
        guard let prefix = prefixLength(mask), let address = IPNetwork(address: ack.yiaddr, prefixLength: prefix) else {
            throw DHCPError(.failed, "DHCPACK has a subnet mask that is not a prefix: \(mask)")
        }
        var routes = Self.routes(ack)
        if priority != 0 {
            for i in routes.indices { routes[i].priority = priority }
        }
        // No version: the caller's result type has its own (the reference's daemon leaves it unset too).
        return CNIResult(cniVersion: "", ips: [CNIResult.IPConfig(address: address, gateway: ack.routers.first)], routes: routes)
    }

    static func routes(_ ack: DHCPMessage) -> [CNIResult.Route] {
        if let classless = ack[option: DHCPMessage.Option.classlessRoutes], let parsed = classlessRoutes(classless), !parsed.isEmpty {
            return parsed
        }
        var routes: [CNIResult.Route] = []
        if let table = ack[option: DHCPMessage.Option.staticRoutes] {
            var i = 0
            while i + 8 <= table.count {
                let dst = IPAddress(bytes: table[i..<i + 4])!
                if let net = classful(dst) { routes.append(.init(dst: net, gw: IPAddress(bytes: table[i + 4..<i + 8]))) }
                i += 8
            }
        }
        if let gw = ack.routers.first {
            routes.append(.init(dst: IPNetwork(address: IPAddress(v4: 0), prefixLength: 0)!, gw: gw))
        }
        return routes
    }

    /// RFC 3442: (width, significant octets of the destination, router) triples. A route
    /// without a router (0.0.0.0) is on-link: scope link.
    static func classlessRoutes(_ data: [UInt8]) -> [CNIResult.Route]? {
        var out: [CNIResult.Route] = []
        var i = 0
        while i < data.count {
            let width = Int(data[i])
            guard width <= 32 else { return nil }
            let octets = (width + 7) / 8
            guard i + 1 + octets + 4 <= data.count else { return nil }
            var dst = [UInt8](data[(i + 1)..<(i + 1 + octets)])
            dst += [UInt8](repeating: 0, count: 4 - octets)
            let router = IPAddress(bytes: data[(i + 1 + octets)..<(i + 5 + octets)])!
            var route = CNIResult.Route(dst: IPNetwork(address: IPAddress(bytes: dst)!, prefixLength: width)!, gw: router)
            if router.isUnspecified { route.scope = 253 }
            out.append(route)
            i += 5 + octets
        }
        return out
    }

    /// Go's `DefaultMask`: class A /8, B /16, C /24; nil for D and E.
    static func classful(_ ip: IPAddress) -> IPNetwork? {
        let first = ip.bytes[0]
        switch first {
        case 0..<0x80: return IPNetwork(address: ip, prefixLength: 8)
        case 0x80..<0xC0: return IPNetwork(address: ip, prefixLength: 16)
        case 0xC0..<0xE0: return IPNetwork(address: ip, prefixLength: 24)
        default: return nil
        }
    }

    static func prefixLength(_ mask: IPAddress) -> Int? {
        guard let v = mask.v4Value else { return nil }
        let ones = v.nonzeroBitCount
        return v == (ones == 0 ? 0 : UInt32.max << (32 - ones)) ? ones : nil
    }
}
